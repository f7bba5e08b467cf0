// WindowController: decides how much of a W-TinyLFU cache's capacity goes to the admission window
// (recency) and how much to the main area (frequency). Chosen by name
// (CacheOptions::window_policy):
//
//   "adaptive"       (default) miniature simulation, mini_simulation.h: replays a sample of the
//                    key stream through small caches that each hold one window share and moves the
//                    real cache to the share that is hitting best.
//   "hill_climbing"  Caffeine's controller: samples the hit ratio over 10 capacities of requests,
//                    steps the window in the direction that last improved it, the step decaying
//                    and restarting when the hit ratio jumps.
//   "static"         the window keeps its initial size.
//
// A window near 100% makes the cache behave like LRU (good for recency-heavy traces such as corda
// and sprite); near 0% like LFU with frequency admission (good for loops and scans such as gli, cs
// and loop). No fixed share suits them all.
//
// Thread-safety: none; the policy calls it under its lock. Cost: O(1) per call for hill_climbing
// and static; see mini_simulation.h for adaptive.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

namespace opusperf::cache {

class WindowController {
 public:
  virtual ~WindowController() = default;

  // Records a hit on the cached entry whose key has this (well-mixed) hash.
  virtual void record_hit(std::uint64_t hash) = 0;
  // Records a miss that added the entry whose key has this hash.
  virtual void record_miss(std::uint64_t hash) = 0;
  // Returns by how many entries to grow (> 0) or shrink (< 0) the window now; 0 most of the time.
  // window: the window's current maximum in entries; capacity: the cache's maximum in entries.
  virtual std::int64_t adjustment(std::uint64_t window, std::uint64_t capacity) = 0;
};

// Returns the controller called `name` for a window that starts at initial_fraction of capacity.
// REQUIRES: a known name (else throws std::invalid_argument naming the known ones).
std::unique_ptr<WindowController> make_window_controller(std::string_view name,
                                                         double initial_fraction);

}  // namespace opusperf::cache
