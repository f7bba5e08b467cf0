// Rng: the seeded pseudo-random generator the balancing policies and the simulator own.
//
// SplitMix64 (Steele, Lea and Flood 2014): 64 bits of state, passes BigCrush, and gives the same
// sequence for a seed on every platform, which std::uniform_int_distribution and
// std::exponential_distribution do not promise. "Same seed, same result" for the simulator rests on
// it. Not for cryptography.
//
// Thread-safety: none. Each policy and each simulation owns its own Rng (policies run under the
// balancer's lock). Cost: about 1 ns a draw.
#pragma once

#include <cmath>
#include <cstdint>

#include "opusperf/balance/hash.h"

namespace opusperf::balance {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) noexcept : state_(seed) {}

  // Returns the next 64 uniformly distributed bits.
  std::uint64_t next() noexcept {
    const std::uint64_t x = state_;
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(x);  // mix64 adds the increment first: SplitMix64's exact output sequence
  }

  // Returns a uniform double in [0, 1) with 53 random bits.
  double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  // Returns a uniform integer in [0, n) by Lemire's multiply-shift (bias below n / 2^64).
  // REQUIRES: n > 0.
  std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

  // Returns an exponentially distributed value with the given mean (inverse transform sampling).
  // REQUIRES: mean >= 0.
  double exponential(double mean) noexcept { return -mean * std::log1p(-uniform()); }

 private:
  std::uint64_t state_;
};

}  // namespace opusperf::balance
