#include "bench/cache/count_min_sketch.h"

#include <algorithm>
#include <bit>
#include <stdexcept>

namespace opusperf::bench::cachesim {
namespace {

// Seeds of the per-row hashes (odd 64-bit constants).
constexpr std::uint64_t kSeeds[CountMinSketch::kDepth] = {
    0x9e3779b97f4a7c15ULL, 0xc2b2ae3d27d4eb4fULL, 0x165667b19e3779f9ULL, 0xd6e8feb86659fd93ULL};

// splitmix64's finaliser: every input bit affects every output bit.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

CountMinSketch::CountMinSketch(std::size_t width, std::uint64_t sample_size)
    : mask_(std::bit_ceil(std::max<std::size_t>(width, 16)) - 1), sample_size_(sample_size) {
  if (sample_size == 0) throw std::invalid_argument("CountMinSketch: sample_size must be >= 1");
  counters_.assign(static_cast<std::size_t>(kDepth) * (mask_ + 1), 0);
}

std::size_t CountMinSketch::index(std::uint64_t key, int row) const {
  const std::uint64_t h = mix(key + kSeeds[row]);
  return static_cast<std::size_t>(row) * (mask_ + 1) + static_cast<std::size_t>(h & mask_);
}

void CountMinSketch::increment(std::uint64_t key) {
  for (int row = 0; row < kDepth; ++row) {
    std::uint8_t& c = counters_[index(key, row)];
    if (c < kMaxCount) ++c;
  }
  if (++additions_ >= sample_size_) halve();
}

int CountMinSketch::estimate(std::uint64_t key) const {
  int best = kMaxCount;
  for (int row = 0; row < kDepth; ++row)
    best = std::min<int>(best, counters_[index(key, row)]);
  return best;
}

void CountMinSketch::halve() {
  for (std::uint8_t& c : counters_)
    c = static_cast<std::uint8_t>(c >> 1);
  additions_ /= 2;  // as TinyLFU: the halved counts still stand for half the sample
}

}  // namespace opusperf::bench::cachesim
