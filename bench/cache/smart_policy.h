// `smart`: the simulator's adapter over the real SmartCache (src/opusperf/cache/smart_cache.h), so
// `opusperf bench cache` measures the code path production runs, not a copy of it.
//
// Each request is a get(); a miss is followed by put(key, 0). After every request the adapter
// calls SmartCache::cleanup(), which applies the cache's pending maintenance (buffered reads and
// writes, eviction) at once, as Caffeine's simulator runs maintenance on the calling thread: a
// single-threaded replay is then deterministic and no buffered hit is lost. The cache gets default
// options (adaptive window, default seed) with max_entries = capacity, no byte limit and no TTL.
//
// Built only with src/opusperf/cache (OPUSPERF_HAVE_SMART_CACHE).
// Thread-safety: none (SimPolicy). Cost: SmartCache's get (and put on a miss) plus one cleanup().
#pragma once

#include <cstddef>
#include <memory>

#include "bench/cache/sim_policy.h"

namespace opusperf::bench::cachesim {

// Returns a `smart` policy of `capacity` entries. REQUIRES: capacity >= 1.
std::unique_ptr<SimPolicy> make_smart_policy(std::size_t capacity);

}  // namespace opusperf::bench::cachesim
