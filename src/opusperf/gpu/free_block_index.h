// Internal to caching_allocator.cc: the free blocks of one pool, searchable by best fit.
//
// Per stream, blocks under 2 MiB sit in exact size bins (one a 512-byte multiple, 4096 in all)
// with a two-level bitmap of the non-empty ones, so the smallest bin that fits is found with two
// bit scans; larger blocks sit in an ordered set by (size, address). Insert, erase and best fit
// are O(1) for binned sizes and O(log n) above. Among blocks of one binned size the most
// recently freed comes first (its memory is the likeliest to be warm in caches).
//
// Not thread-safe (the allocator's mutex guards it). Blocks are linked in through their bin_prev /
// bin_next pointers; a block's size must not change while it is in the index.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "opusperf/gpu/allocator_block.h"
#include "opusperf/gpu/allocator_options.h"

namespace opusperf::gpu::detail {

class FreeBlockIndex {
 public:
  static constexpr std::size_t kBinnedLimit = kSmallBuffer;  // sizes below are binned
  static constexpr std::size_t kBins = kBinnedLimit / kMinBlockSize;

  FreeBlockIndex() = default;
  FreeBlockIndex(const FreeBlockIndex&) = delete;
  FreeBlockIndex& operator=(const FreeBlockIndex&) = delete;

  // REQUIRES: b is not in the index; b->size is a positive multiple of kMinBlockSize.
  void insert(Block* b);
  // REQUIRES: b is in the index, with the size it had when inserted.
  void erase(Block* b);
  // Returns the smallest block of `stream` with at least `size` bytes, or nullptr.
  Block* best_fit(Stream stream, std::size_t size) const;
  // Returns the blocks of `stream` of at least `min_size` bytes, smallest first.
  // REQUIRES: min_size >= kBinnedLimit.
  std::vector<Block*> at_least(Stream stream, std::size_t min_size) const;

 private:
  struct StreamBins {
    explicit StreamBins(Stream s) : stream(s) {}
    Stream stream;
    std::array<Block*, kBins> heads{};             // bin i holds blocks of i * 512 bytes
    std::array<std::uint64_t, kBins / 64> bits{};  // bit i: bin i is not empty
    std::uint64_t summary = 0;                     // bit w: bits[w] != 0
    std::set<Block*, BlockLess> large;             // kBinnedLimit bytes and more
  };
  static_assert(kBins / 64 <= 64, "the summary word covers every bitmap word");

  const StreamBins* find(Stream stream) const;
  StreamBins& bins_of(Stream stream);

  std::vector<std::unique_ptr<StreamBins>> streams_;  // few: one per stream in use
};

}  // namespace opusperf::gpu::detail
