// The "power of two choices" draw shared by least_loaded and peak_ewma: two distinct candidates
// at random. Comparing just two random workers keeps nearly all the benefit of scanning every one
// (Mitzenmacher 2001) at O(1) cost, and avoids the herding a full scan causes when many balancers
// see the same stale loads.
//
// Thread-safety: uses the caller's Rng. Cost: two draws.
#pragma once

#include <cstdint>
#include <span>
#include <utility>

#include "opusperf/balance/rng.h"

namespace opusperf {

// Returns two different elements of `candidates` chosen uniformly at random, or the only element
// twice when there is one. REQUIRES: candidates is non-empty.
inline std::pair<std::uint32_t, std::uint32_t> two_choices(
    std::span<const std::uint32_t> candidates, balance::Rng& rng) {
  const std::uint64_t n = candidates.size();
  if (n == 1) return {candidates[0], candidates[0]};
  const std::uint64_t a = rng.below(n);
  std::uint64_t b = rng.below(n - 1);
  if (b >= a) ++b;  // uniform over the n - 1 others
  return {candidates[a], candidates[b]};
}

}  // namespace opusperf
