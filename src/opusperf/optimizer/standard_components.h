// The components a config enables, built, wired to one another and added to one
// PerformanceOptimizer in one call: the way a service gets the whole runtime without assembling it.
//
//   PerformanceOptimizer opt(profiles::production());
//   StandardComponents parts = add_standard_components(opt);
//   if (parts.cache) auto score = cache_result(parts.cache->cache(), score_clip,
//   std::chrono::hours(1)); if (parts.balance) parts.balance->pool().submit([](std::uint32_t) {
//   return encode(); }, video_id);
//
// Which parts exist follows the config's switches: enable_smart_caching (cache),
// enable_memory_optimization (memory), enable_gpu_optimization (gpu), enable_load_balancing
// (balance), enable_adaptive_tuning (tune); a part that is off stays nullptr and its report section
// says "enabled": false. The wiring between them: the memory optimizer's pressure response trims
// the cache (priority 20, keeping a quarter at kHigh, nothing at kCritical) and the GPU allocator's
// idle segments (priority 30), before its own frame pool (90) and malloc_trim. With both balance
// and tune, the tuner owns the knob "pool_concurrency" (jobs running at once on the pool, from 1 to
// its threads, starting at all of them), judged by a hill climber on the throughput of every
// optimize_operation call (TuneComponent observes operations). Add a service's own knobs through
// parts.tune->tuner().
//
// Thread-safety: call once, before the optimizer's work starts. The returned pointers are owned by
// the optimizer and live as long as it does.
#pragma once

#include "opusperf/memory/trimmer.h"
#include "opusperf/optimizer/balance_component.h"
#include "opusperf/optimizer/cache_component.h"
#include "opusperf/optimizer/gpu_component.h"
#include "opusperf/optimizer/memory_component.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/optimizer/tune_component.h"

namespace opusperf {

struct StandardComponents {
  CacheComponent* cache = nullptr;
  MemoryComponent* memory = nullptr;
  GpuComponent* gpu = nullptr;
  BalanceComponent* balance = nullptr;
  TuneComponent* tune = nullptr;
};

// Builds the enabled components from opt.config(), wires them and adds them to `opt`.
// REQUIRES: no component of these sections was added to `opt` before. Throws what the components'
// constructors throw (e.g. RuntimeError when no thread can be started).
StandardComponents add_standard_components(PerformanceOptimizer& opt);

// The trimmers add_standard_components registers with the memory optimizer, for services that
// assemble the parts themselves. Each returned Trimmer refers to its component, which must outlive
// its registration.
Trimmer cache_trimmer(CacheComponent& cache);
Trimmer gpu_trimmer(GpuComponent& gpu);
// Adds the "pool_concurrency" knob described above to `tuner`. `pool` must outlive the tuner's use.
Knob& add_pool_concurrency_knob(AdaptivePerformanceTuner& tuner, WorkerPool& pool);

}  // namespace opusperf
