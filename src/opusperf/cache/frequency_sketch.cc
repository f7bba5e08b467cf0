#include "opusperf/cache/frequency_sketch.h"

#include <algorithm>
#include <bit>

namespace opusperf::cache {
namespace {

constexpr std::uint64_t kWordsPerBlock = 8;  // 8 words * 8 bytes = one 64-byte line
constexpr std::uint64_t kResetMask = 0x7777'7777'7777'7777ULL;  // clears each nibble's top bit
constexpr std::uint64_t kOneMask = 0x1111'1111'1111'1111ULL;    // each nibble's low bit

}  // namespace

void FrequencySketch::resize(std::uint64_t capacity) {
  capacity = std::max<std::uint64_t>(capacity, 1);
  // At most one 8-byte word per entry of capacity, in whole 64-byte blocks (at least one).
  blocks_ = std::max<std::uint64_t>(1, capacity / kWordsPerBlock);
  table_.assign(blocks_ * kWordsPerBlock, 0);
  sample_size_ = 10 * capacity;
  additions_ = 0;
}

// Counter i of a key lives in word pair i of the key's block (words 2i and 2i+1), in one of 16
// nibbles; byte i of the hash's low half picks the word (bit 0) and the nibble (bits 1-4). The
// block comes from the high half, scaled to the block count by a multiply (so the count need not
// be a power of two).
const std::uint64_t* FrequencySketch::block_of(std::uint64_t hash) const {
  return &table_[(((hash >> 32) * blocks_) >> 32) * kWordsPerBlock];
}

int FrequencySketch::frequency(std::uint64_t hash) const {
  const std::uint64_t* block = block_of(hash);
  std::uint64_t f = 15;
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t h = hash >> (8 * i);
    const std::uint64_t word = block[2 * i + (h & 1)];
    f = std::min(f, (word >> (((h >> 1) & 15) * 4)) & 0xf);
  }
  return static_cast<int>(f);
}

void FrequencySketch::increment(std::uint64_t hash) {
  auto* block = const_cast<std::uint64_t*>(block_of(hash));
  // Straight-line over the four counters: this runs for every request the policy records.
  const auto bump = [block, hash](int i) -> bool {
    const std::uint64_t h = hash >> (8 * i);
    std::uint64_t& word = block[2 * i + (h & 1)];
    const std::uint64_t shift = ((h >> 1) & 15) * 4;
    const std::uint64_t mask = std::uint64_t{0xf} << shift;
    if ((word & mask) == mask) return false;  // saturated at 15
    word += std::uint64_t{1} << shift;
    return true;
  };
  const bool added = bump(0) | bump(1) | bump(2) | bump(3);  // all four, no short circuit
  if (added && ++additions_ >= sample_size_) reset();
}

void FrequencySketch::reset() {
  std::uint64_t odd = 0;  // counters whose halving drops a half (the "count >>> 2" correction)
  for (std::uint64_t& w : table_) {
    odd += static_cast<std::uint64_t>(std::popcount(w & kOneMask));
    w = (w >> 1) & kResetMask;
  }
  additions_ = (additions_ - odd / 4) / 2;
}

}  // namespace opusperf::cache
