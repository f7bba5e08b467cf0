// GpuOptimizer: the runtime's GPU side, built from the config. It owns the device backend (CUDA
// when a device is present, else the host backend), the caching allocator over it with the cap
// from tensor_memory_fraction, and the NVML monitor; it tells components which precision to
// compute in (mixed_precision) and whether to replay captured graphs (enable_cuda_graphs).
//
//   GpuOptimizer gpu(GpuOptimizerOptions::from_config(config));
//   void* frames = gpu.allocator().allocate(bytes, stream);
//   PrecisionScope scope(gpu.compute_precision());
//   GraphRunner step = gpu.make_graph_runner(stream);
//   std::uint64_t freed = gpu.optimize_gpu_memory();    // bytes actually given back
//   nlohmann::json section = gpu.report();              // the report's "gpu" section
//
// Thread-safety: every method may be called from many threads (the allocator and backends are
// thread-safe). Not copyable: the allocator refers to the backend.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "opusperf/core/config.h"
#include "opusperf/gpu/allocator_options.h"
#include "opusperf/gpu/caching_allocator.h"
#include "opusperf/gpu/device_backend.h"
#include "opusperf/gpu/graph_runner.h"
#include "opusperf/gpu/host_backend.h"
#include "opusperf/gpu/nvml_monitor.h"
#include "opusperf/gpu/precision.h"

namespace opusperf::gpu {

struct GpuOptimizerOptions {
  std::string backend = "auto";  // "auto", "host" or "cuda" (backend_factory.h)
  int device = 0;                // CUDA device ordinal
  HostBackendOptions host;       // used when the host backend runs
  // The allocator; memory_fraction is the config's tensor_memory_fraction.
  CachingAllocatorOptions allocator;
  bool mixed_precision = false;  // config: mixed_precision
  bool cuda_graphs = false;      // config: enable_cuda_graphs
  std::string nvml_library = "libnvidia-ml.so.1";

  // Returns the options the config asks for (tensor_memory_fraction, mixed_precision,
  // enable_cuda_graphs); the rest keep their defaults above.
  static GpuOptimizerOptions from_config(const OptimizationConfig& config);
};

class GpuOptimizer {
 public:
  // Opens the backend (see make_backend) and builds the allocator over it.
  // Throws InputError for an unknown backend name, RuntimeError when "cuda" is asked for and
  // unavailable, std::invalid_argument for allocator options out of range.
  explicit GpuOptimizer(GpuOptimizerOptions options = {});
  ~GpuOptimizer();
  GpuOptimizer(const GpuOptimizer&) = delete;
  GpuOptimizer& operator=(const GpuOptimizer&) = delete;

  DeviceBackend& backend() const { return *backend_; }
  CachingAllocator& allocator() const { return *allocator_; }
  // Returns why this backend runs, e.g. "no CUDA device (...)".
  const std::string& backend_note() const { return backend_note_; }
  const GpuOptimizerOptions& options() const { return options_; }

  // Returns the precision components should compute in: with mixed_precision, bf16 (fp16 on CUDA
  // devices before compute capability 8.0, which lack bf16 arithmetic); fp32 otherwise.
  Precision compute_precision() const;
  // Returns a runner for repeated stream work on `stream`: graph capture when cuda_graphs is on,
  // eager replay otherwise. REQUIRES: with cuda_graphs, stream is not the default stream.
  GraphRunner make_graph_runner(Stream stream) const;

  // Gives every cached, unused segment back to the device (CachingAllocator::empty_cache()).
  // Returns the bytes released.
  std::uint64_t optimize_gpu_memory();
  // Returns the bytes every optimize_gpu_memory() call so far released, and how many calls ran.
  std::uint64_t released_bytes_total() const { return released_total_.load(); }
  std::uint64_t optimizations() const { return optimizations_.load(); }

  // Returns NVML's view of every device ("unavailable" with the reason without NVML).
  NvmlSample utilisation() const { return nvml_.sample(); }
  // Returns the report's "gpu" section without "enabled": backend, device, allocator statistics
  // (PyTorch's keys), utilisation and settings. Sizes in bytes, shares in percent.
  nlohmann::json report() const;

 private:
  const GpuOptimizerOptions options_;
  std::unique_ptr<DeviceBackend> backend_;
  std::string backend_note_;
  std::unique_ptr<CachingAllocator> allocator_;
  NvmlMonitor nvml_;
  std::atomic<std::uint64_t> released_total_{0};
  std::atomic<std::uint64_t> optimizations_{0};
};

}  // namespace opusperf::gpu
