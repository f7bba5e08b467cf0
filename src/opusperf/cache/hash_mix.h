// mix_hash: spreads a std::hash value over all 64 bits. std::hash of an integer is the identity
// in libstdc++, and SmartCache uses different bit ranges of one hash for its shard, its table slot
// and its frequency sketch counters, so every bit must depend on every input bit.
//
// Thread-safety: a pure function. Cost: two multiplies.
#pragma once

#include <cstdint>

namespace opusperf::cache {

// Returns the MurmurHash3 / SplitMix64 finaliser of h: a bijection with full avalanche.
constexpr std::uint64_t mix_hash(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace opusperf::cache
