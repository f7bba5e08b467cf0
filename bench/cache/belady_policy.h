// `belady`: Bélády's MIN, the offline optimum for a cache that must admit every missed key (demand
// paging). On a miss with a full cache it evicts the resident key whose next request lies farthest
// in the future (never-again keys first). It needs the whole trace up front: the constructor
// precomputes, for each request, the position of the next request for the same key.
//
// access() must be called with the trace's keys in order, from the first; access(k) is checked
// against the trace and throws std::logic_error on a mismatch or past the end.
//
// Thread-safety: none (SimPolicy). Cost: O(log capacity) per access; 8 bytes a request of memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "bench/cache/sim_policy.h"

namespace opusperf::bench::cachesim {

class BeladyPolicy final : public SimPolicy {
 public:
  // REQUIRES: capacity >= 1; `trace` outlives the policy.
  BeladyPolicy(std::size_t capacity, std::span<const std::uint64_t> trace);

  std::string_view name() const override { return "belady"; }
  bool access(std::uint64_t key) override;

 private:
  // Position of the next request for the key requested at position i; kNever when none.
  static constexpr std::size_t kNever = SIZE_MAX;

  const std::size_t capacity_;
  std::span<const std::uint64_t> trace_;
  std::vector<std::size_t> next_use_;
  std::size_t position_ = 0;
  // Residents ordered by next use, then key (never-again keys tie at kNever); the largest leaves.
  std::set<std::pair<std::size_t, std::uint64_t>> by_next_use_;
  std::unordered_map<std::uint64_t, std::size_t> next_use_of_;  // resident key -> its next use
};

}  // namespace opusperf::bench::cachesim
