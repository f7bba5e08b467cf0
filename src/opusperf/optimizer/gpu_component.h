// GpuComponent: plugs the GpuOptimizer (gpu/gpu_optimizer.h) into the PerformanceOptimizer as its
// "gpu" section.
//
//   opt.add_component(std::make_unique<GpuComponent>(opt.config(), opt.metrics()));
//   auto& gpu = static_cast<GpuComponent&>(...).gpu();   // the allocator, precision, graphs
//
// optimize_now() (from force_optimization) is optimize_gpu_memory(): every cached segment no
// allocation uses goes back to the device, and the step reports the bytes actually released.
// report_section() is the GpuOptimizer's report; it also refreshes the metrics:
//   opusperf_gpu_allocated_bytes, opusperf_gpu_reserved_bytes, opusperf_gpu_active_bytes,
//   opusperf_gpu_memory_cap_bytes (gauges); opusperf_gpu_alloc_retries_total,
//   opusperf_gpu_ooms_total, opusperf_gpu_device_allocs_total, opusperf_gpu_released_bytes_total
//   (counters); opusperf_gpu_utilization_percent{device} (gauge, when NVML is present).
//
// Thread-safety: as Component requires; every method may be called from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>

#include "opusperf/core/config.h"
#include "opusperf/gpu/gpu_optimizer.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/optimizer/component.h"

namespace opusperf {

class GpuComponent final : public Component {
 public:
  // Builds its GpuOptimizer from the config (GpuOptimizerOptions::from_config). Throws as
  // GpuOptimizer's constructor.
  GpuComponent(const OptimizationConfig& config, Registry& metrics);
  // Takes a GpuOptimizer built (and perhaps used) by the caller. REQUIRES: gpu != nullptr.
  GpuComponent(std::unique_ptr<gpu::GpuOptimizer> gpu, Registry& metrics);
  GpuComponent(const GpuComponent&) = delete;
  GpuComponent& operator=(const GpuComponent&) = delete;

  std::string_view section() const override { return "gpu"; }
  // Returns the bytes optimize_gpu_memory() released.
  OptimizationStep optimize_now() override;
  nlohmann::json report_section() const override;

  gpu::GpuOptimizer& gpu() { return *gpu_; }

 private:
  // Copies the allocator's statistics into the metrics; `section` supplies utilisation.
  void refresh_metrics(const nlohmann::json& section) const;

  std::unique_ptr<gpu::GpuOptimizer> gpu_;
  Registry& metrics_;
  Gauge& allocated_;
  Gauge& reserved_;
  Gauge& active_;
  Gauge& cap_;
  Counter& retries_;
  Counter& ooms_;
  Counter& device_allocs_;
  Counter& released_;
  mutable std::mutex mu_;             // counters advance by the change since the last refresh
  mutable gpu::AllocatorStats last_;  // guarded by mu_
  mutable std::uint64_t last_released_ = 0;  // guarded by mu_
};

}  // namespace opusperf
