// OptimizationConfig: every setting the runtime's components read, in one struct.
//
// The field names are the original Video-OpusClip system's (enable_smart_caching, cache_size_limit,
// max_workers, ...) so its users recognise them; the same names are the keys of the YAML config
// file (see config_loader.h) and the profiles (profiles.h) start from these defaults. Every default
// is documented here, where it is declared, and nowhere else. Ranges are enforced by validate() in
// config_loader.h; the comment on each field gives the allowed range.
//
// Thread-safety: a plain value type. Components copy what they need at construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace opusperf {

struct OptimizationConfig {
  using Duration = std::chrono::milliseconds;

  // Name of the profile this config started from ("custom" when built by hand).
  std::string profile = "custom";

  // ---- Which components run ----
  bool enable_smart_caching = true;        // SmartCache (cache/)
  bool enable_memory_optimization = true;  // MemoryOptimizer (memory/)
  bool enable_gpu_optimization = true;  // GPUOptimizer (gpu/); uses the host backend without a GPU
  bool enable_load_balancing = false;   // LoadBalancer + WorkerPool (balance/)
  bool enable_adaptive_tuning = false;  // AdaptivePerformanceTuner (tune/)
  bool enable_monitoring = true;        // background system sampler + time series (monitor/)

  // ---- SmartCache ----
  std::uint64_t cache_size_limit = 1000;         // max entries; 1 .. 1e9
  std::uint64_t cache_max_bytes = 256ull << 20;  // max weighted bytes; 0 = no byte limit
  Duration cache_ttl = std::chrono::hours(1);    // default entry TTL; 0 = never expires
  bool enable_predictive_caching = false;        // prefetch predicted next keys

  // ---- LoadBalancer / WorkerPool ----
  std::uint32_t max_workers = 4;  // 1 .. 4096
  // One of: round_robin, random, least_loaded, peak_ewma, adaptive, consistent_hash.
  std::string load_balancing_strategy = "least_loaded";

  // ---- MemoryOptimizer ----
  // Levels are shares of the memory limit (cgroup limit, else physical memory); each in (0, 1] and
  // elevated < high < critical. memory_threshold is the seed's name for the "high" level.
  double memory_elevated_threshold = 0.70;
  double memory_threshold = 0.80;
  double memory_critical_threshold = 0.90;
  // PSI memory "some" avg10 stall share (percent of time, 0 .. 100) that counts as pressure.
  double memory_psi_threshold = 10.0;

  // ---- GPUOptimizer ----
  // Share of device memory the caching allocator may hold (the seed's memory fraction); (0, 1].
  double tensor_memory_fraction = 0.9;
  bool mixed_precision = false;     // fp16/bf16 where components allow it
  bool enable_cuda_graphs = false;  // capture and replay repeated stream work

  // ---- AdaptivePerformanceTuner ----
  Duration tuning_interval = std::chrono::seconds(30);  // evaluation window; 100 ms .. 24 h
  std::uint64_t performance_history_size = 1000;        // samples kept per series; 10 .. 1e7

  // ---- Monitoring ----
  Duration monitoring_interval = std::chrono::seconds(1);  // system sampling period; 10 ms .. 1 h

  bool operator==(const OptimizationConfig&) const = default;
};

}  // namespace opusperf
