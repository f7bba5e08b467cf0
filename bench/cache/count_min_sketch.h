// CountMinSketch: the TinyLFU frequency estimate of the simulator's `wtinylfu` reference policy.
//
// Four rows of 4-bit saturating counters (0..15), each row indexed by its own hash of the key; the
// estimate is the minimum of the key's four counters, so it may over-count (collisions) but never
// under-count since the last halving. After `sample_size` increments every counter is halved, so
// the sketch forgets old popularity (TinyLFU's "reset"), and a key's count decays geometrically.
//
//   CountMinSketch sketch(/*width=*/1024, /*sample_size=*/10 * 1000);
//   sketch.increment(key);
//   int f = sketch.estimate(key);   // 0..15
//
// The counters are kept one a byte for clarity: the simulator measures hit ratios, not memory.
// Thread-safety: none. Cost: O(1) per increment/estimate; O(width) per halving, amortised O(1)
// since a halving follows sample_size >= width increments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace opusperf::bench::cachesim {

class CountMinSketch {
 public:
  static constexpr int kDepth = 4;
  static constexpr std::uint8_t kMaxCount = 15;

  // `width` counters a row (rounded up to a power of two, at least 16); halving after
  // `sample_size` increments. REQUIRES: sample_size >= 1.
  CountMinSketch(std::size_t width, std::uint64_t sample_size);

  // Counts one occurrence of `key` (each of its counters below 15 grows by one).
  void increment(std::uint64_t key);

  // Returns the estimated count of `key` since the decay, in 0..15.
  int estimate(std::uint64_t key) const;

  std::size_t width() const { return mask_ + 1; }
  // Returns how many increments happened since the last halving.
  std::uint64_t additions() const { return additions_; }

 private:
  std::size_t index(std::uint64_t key, int row) const;
  void halve();

  std::size_t mask_;
  std::uint64_t sample_size_;
  std::uint64_t additions_ = 0;
  std::vector<std::uint8_t> counters_;  // kDepth rows of width() counters
};

}  // namespace opusperf::bench::cachesim
