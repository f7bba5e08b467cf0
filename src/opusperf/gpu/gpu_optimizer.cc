#include "opusperf/gpu/gpu_optimizer.h"

#include <cstdlib>

#include "opusperf/gpu/backend_factory.h"

namespace opusperf::gpu {

GpuOptimizerOptions GpuOptimizerOptions::from_config(const OptimizationConfig& config) {
  GpuOptimizerOptions o;
  o.allocator.memory_fraction = config.tensor_memory_fraction;
  o.mixed_precision = config.mixed_precision;
  o.cuda_graphs = config.enable_cuda_graphs;
  return o;
}

GpuOptimizer::GpuOptimizer(GpuOptimizerOptions options)
    : options_(std::move(options)), nvml_(options_.nvml_library) {
  BackendChoice choice = make_backend(options_.backend, options_.host, options_.device);
  backend_ = std::move(choice.backend);
  backend_note_ = std::move(choice.note);
  allocator_ = std::make_unique<CachingAllocator>(*backend_, options_.allocator);
}

// The allocator goes first: it gives its segments back to the backend.
GpuOptimizer::~GpuOptimizer() {
  allocator_.reset();
}

Precision GpuOptimizer::compute_precision() const {
  if (!options_.mixed_precision) return Precision::kFloat32;
  const DeviceInfo info = backend_->info();
  // compute_capability is "<major>.<minor>"; bf16 arithmetic came with major 8 (Ampere).
  if (info.backend == "cuda" && std::atoi(info.compute_capability.c_str()) < 8) {
    return Precision::kFloat16;
  }
  return Precision::kBFloat16;
}

GraphRunner GpuOptimizer::make_graph_runner(Stream stream) const {
  return GraphRunner(*backend_, stream,
                     options_.cuda_graphs ? GraphRunner::Mode::kGraph : GraphRunner::Mode::kEager);
}

std::uint64_t GpuOptimizer::optimize_gpu_memory() {
  const std::uint64_t released = allocator_->empty_cache();
  released_total_.fetch_add(released);
  optimizations_.fetch_add(1);
  return released;
}

nlohmann::json GpuOptimizer::report() const {
  const DeviceInfo info = backend_->info();
  const MemoryInfo mem = backend_->memory_info();
  return {
      {"backend", info.backend},
      {"backend_note", backend_note_},
      {"device",
       {{"name", info.name},
        {"index", info.index},
        {"total_bytes", mem.total_bytes},
        {"free_bytes", mem.free_bytes},
        {"compute_capability", info.compute_capability}}},
      {"memory_fraction", allocator_->options().memory_fraction},
      {"cap_bytes", allocator_->cap_bytes()},
      {"expandable_segments", allocator_->expandable_segments()},
      {"mixed_precision", options_.mixed_precision},
      {"compute_precision", to_string(compute_precision())},
      {"conversion_isa", to_string(best_conversion_isa())},
      {"cuda_graphs", options_.cuda_graphs},
      {"released_bytes_total", released_total_.load()},
      {"optimizations", optimizations_.load()},
      {"allocator", to_json(allocator_->stats())},
      {"utilisation", to_json(nvml_.sample())},
  };
}

}  // namespace opusperf::gpu
