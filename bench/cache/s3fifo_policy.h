// `s3fifo`: S3-FIFO (Yang et al., SOSP 2023): three FIFO queues and no LRU promotion.
//
// A small FIFO S (10% of capacity) takes new keys; the main FIFO M (the rest) keeps a 2-bit access
// count per key (0..3); the ghost FIFO G remembers, keys only, as many recent evictions from S as M
// holds entries. A key evicted from S moves to M if it was hit there at least kMoveToMainHits
// times, else it leaves a ghost; a miss whose key is in G goes straight to M. M evicts like CLOCK:
// a key with a nonzero count is reinserted with the count decremented.
//
// Thread-safety: none (SimPolicy). Cost: O(1) expected per access, amortised over M's reinsertions.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bench/cache/keyed_list.h"
#include "bench/cache/sim_policy.h"

namespace opusperf::bench::cachesim {

class S3FifoPolicy final : public SimPolicy {
 public:
  // Hits in S that earn a key its place in M when it reaches the end of S. libCacheSim's current
  // S3-FIFO uses 2 (the paper's pseudo-code, 1); 2 matches the reference table more closely.
  static constexpr std::uint8_t kMoveToMainHits = 2;

  // REQUIRES: capacity >= 1.
  explicit S3FifoPolicy(std::size_t capacity);

  std::string_view name() const override { return "s3fifo"; }
  bool access(std::uint64_t key) override;

  std::size_t small_capacity() const { return small_capacity_; }

 private:
  void evict();
  void evict_small();
  void evict_main();

  const std::size_t capacity_;
  const std::size_t small_capacity_;  // max(1, capacity / 10)
  const std::size_t main_capacity_;   // capacity - small_capacity_
  KeyedList<std::uint8_t> small_;     // front: newest; payload: hits, saturating at 3
  KeyedList<std::uint8_t> main_;
  KeyedList<> ghost_;
};

}  // namespace opusperf::bench::cachesim
