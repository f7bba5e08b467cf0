#include "opusperf/optimizer/standard_components.h"

#include <memory>
#include <utility>

#include "opusperf/tune/controller_factory.h"

namespace opusperf {

Trimmer cache_trimmer(CacheComponent& cache) {
  return Trimmer{
      .name = "cache",
      .priority = 20,  // computed results are the cheapest memory to give back
      .trim = [&cache](PressureLevel level) -> std::uint64_t {
        // Shrink in proportion to the pressure: a cache keeps its hottest part while memory
        // is only tight, and everything goes when the process is about to be killed.
        switch (level) {
          case PressureLevel::kNormal:
            return 0;
          case PressureLevel::kElevated:
            return cache.trim(0.75);
          case PressureLevel::kHigh:
            return cache.trim(0.25);
          case PressureLevel::kCritical:
            return cache.trim(0.0);
        }
        return 0;
      },
      .reclaimable_bytes = [&cache] { return cache.cache().stats().bytes; },
  };
}

Trimmer gpu_trimmer(GpuComponent& gpu) {
  return Trimmer{
      .name = "gpu_allocator",
      .priority = 30,
      // Idle segments are pure cache: releasing them costs only a later device allocation, so any
      // pressure above normal releases them all.
      .trim = [&gpu](PressureLevel level) -> std::uint64_t {
        return level == PressureLevel::kNormal ? 0 : gpu.gpu().optimize_gpu_memory();
      },
      .reclaimable_bytes = [&gpu]() -> std::uint64_t {
        const gpu::AllocatorStats s = gpu.gpu().allocator().stats();
        const std::int64_t idle =
            s.reserved_bytes[gpu::kStatAll].current - s.allocated_bytes[gpu::kStatAll].current;
        return idle > 0 ? static_cast<std::uint64_t>(idle) : 0;
      },
  };
}

Knob& add_pool_concurrency_knob(AdaptivePerformanceTuner& tuner, WorkerPool& pool) {
  const auto threads = static_cast<double>(pool.size());
  return tuner.add_knob(
      {.name = "pool_concurrency",
       .min = 1,
       .max = threads,
       .step = 1,
       .initial = threads,  // start where an untuned pool runs: every thread
       .apply = [&pool](double v) { pool.set_concurrency_limit(static_cast<std::size_t>(v)); }},
      make_controller("hill_climb"));
}

StandardComponents add_standard_components(PerformanceOptimizer& opt) {
  const OptimizationConfig& cfg = opt.config();
  StandardComponents parts;
  // The memory component is added last: the optimizer stops components in reverse order, so the
  // memory optimizer's thread (which runs the trimmers below) stops before the parts they trim.
  if (cfg.enable_smart_caching) {
    auto cache = std::make_unique<CacheComponent>(cfg, opt.metrics());
    parts.cache = cache.get();
    opt.add_component(std::move(cache));
  }
  if (cfg.enable_gpu_optimization) {
    auto gpu = std::make_unique<GpuComponent>(cfg, opt.metrics());
    parts.gpu = gpu.get();
    opt.add_component(std::move(gpu));
  }
  if (cfg.enable_load_balancing) {
    auto balance = std::make_unique<BalanceComponent>(cfg, opt.metrics());
    parts.balance = balance.get();
    opt.add_component(std::move(balance));
  }
  if (cfg.enable_adaptive_tuning) {
    auto tune = std::make_unique<TuneComponent>(cfg, opt.metrics());
    if (parts.balance) add_pool_concurrency_knob(tune->tuner(), parts.balance->pool());
    parts.tune = tune.get();
    opt.add_component(std::move(tune));
  }
  if (cfg.enable_memory_optimization) {
    auto memory = std::make_unique<MemoryComponent>(cfg, opt.metrics());
    if (parts.cache) memory->add_trimmer(cache_trimmer(*parts.cache));
    if (parts.gpu) memory->add_trimmer(gpu_trimmer(*parts.gpu));
    parts.memory = memory.get();
    opt.add_component(std::move(memory));
  }
  return parts;
}

}  // namespace opusperf
