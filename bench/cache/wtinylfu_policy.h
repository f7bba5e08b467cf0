// `wtinylfu`: W-TinyLFU with a static 1% window (Einziger, Friedman & Manes, "TinyLFU", 2017), as
// Caffeine's simulator runs it without the adaptive window.
//
// New keys enter a small LRU window (1% of capacity, at least one entry). The window's LRU victim,
// the candidate, then competes with the main area's victim (the LRU end of probation): it is
// admitted only when the frequency sketch counts it strictly more often, else the candidate leaves.
// The main area is a segmented LRU: probation (20%) for keys admitted once, protected (80%) for
// keys hit again while in probation; protected's overflow falls back to probation. Every access
// counts in a CountMinSketch sized to the capacity and halved every 10 x capacity accesses. There
// is no doorkeeper.
//
// Thread-safety: none (SimPolicy). Cost: O(1) expected per access.
#pragma once

#include <cstddef>

#include "bench/cache/count_min_sketch.h"
#include "bench/cache/keyed_list.h"
#include "bench/cache/sim_policy.h"

namespace opusperf::bench::cachesim {

class WTinyLfuPolicy final : public SimPolicy {
 public:
  static constexpr double kWindowShare = 0.01;
  static constexpr double kProtectedShareOfMain = 0.80;
  static constexpr std::size_t kSampleSizePerEntry = 10;

  // REQUIRES: capacity >= 1.
  explicit WTinyLfuPolicy(std::size_t capacity);

  std::string_view name() const override { return "wtinylfu"; }
  bool access(std::uint64_t key) override;

  std::size_t window_capacity() const { return window_capacity_; }
  std::size_t protected_capacity() const { return protected_capacity_; }

 private:
  // Moves the window's overflow into the main area through the admission filter.
  void evict_from_window();

  const std::size_t capacity_;
  const std::size_t window_capacity_;
  const std::size_t protected_capacity_;
  CountMinSketch sketch_;
  KeyedList<> window_, probation_, protected_;  // front: MRU
};

}  // namespace opusperf::bench::cachesim
