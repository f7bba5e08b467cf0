// FrequencySketch: a Count-Min sketch of 4-bit counters that estimates how often each key was seen
// recently (TinyLFU's popularity estimate).
//
// Each key maps to four counters in one 64-byte block (one cache line), so an increment or estimate
// touches one line. Counters saturate at 15. After `sample_size` increments every counter is halved
// (the "reset" of TinyLFU), so old popularity fades and the sketch follows a changing workload.
// Memory: at most 8 bytes per entry of capacity (one 8-byte word of 16 counters per entry, rounded
// down to whole blocks; at least one block, 64 bytes).
//
// Thread-safety: none; SmartCache uses it under its policy lock. Cost: a few ns per call.
#pragma once

#include <cstdint>
#include <vector>

namespace opusperf::cache {

class FrequencySketch {
 public:
  // Sizes the sketch for `capacity` entries; resets every 10 * capacity increments.
  explicit FrequencySketch(std::uint64_t capacity) { resize(capacity); }
  FrequencySketch(const FrequencySketch&) = delete;
  FrequencySketch& operator=(const FrequencySketch&) = delete;

  // Re-sizes for a new capacity; forgets every count.
  void resize(std::uint64_t capacity);

  // Returns the estimated recent count of the key with this (well-mixed) hash, 0 .. 15.
  int frequency(std::uint64_t hash) const;
  // Counts one occurrence of the key with this hash, halving all counters every sample_size calls.
  void increment(std::uint64_t hash);

  // Returns how many increments happen between two halvings.
  std::uint64_t sample_size() const { return sample_size_; }
  // Returns the sketch's memory in bytes.
  std::uint64_t bytes() const { return table_.size() * sizeof(std::uint64_t); }

 private:
  void reset();
  // Returns the first word of the key's 64-byte block.
  const std::uint64_t* block_of(std::uint64_t hash) const;

  std::vector<std::uint64_t> table_;
  std::uint64_t blocks_ = 1;  // number of 8-word blocks
  std::uint64_t sample_size_ = 0;
  std::uint64_t additions_ = 0;
};

}  // namespace opusperf::cache
