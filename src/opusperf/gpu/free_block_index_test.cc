// FreeBlockIndex against a brute-force model: random inserts and erases over a few sizes, with
// enough equal blocks that size bins turn from lists into address heaps, plus blocks above 2 MiB
// (the ordered set) and two streams. After every step, best fit must be the model's smallest
// fitting block, lowest address among equals.
#include "opusperf/gpu/free_block_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace opusperf::gpu::detail {
namespace {

constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * KiB;

struct Model {
  std::vector<Block*> free;  // in the index

  Block* best_fit(std::uint16_t stream, std::size_t size) const {
    Block* best = nullptr;
    for (Block* b : free) {
      if (b->stream_number != stream || b->size < size) continue;
      if (best == nullptr || b->size < best->size || (b->size == best->size && b->ptr < best->ptr))
        best = b;
    }
    return best;
  }
};

TEST(FreeBlockIndexTest, BestFitMatchesABruteForceModelThroughListsHeapsAndTheSet) {
  constexpr std::size_t kBlocks = 2'000;
  // Few sizes, so bins hold hundreds of blocks (past kMaxScan: heaps) and some only a few.
  const std::vector<std::size_t> sizes = {512, 4 * KiB, 2 * MiB, 6 * MiB, 20 * MiB};
  std::mt19937_64 rng(11);
  auto blocks = std::make_unique<Block[]>(kBlocks);
  std::vector<bool> in(kBlocks, false);
  for (std::size_t i = 0; i < kBlocks; ++i) {
    // Distinct addresses, in shuffled order relative to the block numbers.
    blocks[i].ptr =
        reinterpret_cast<char*>((std::size_t{1} << 40) + (i * 7919 % kBlocks) * 64 * MiB);
    const std::size_t pick = rng() % 10;
    blocks[i].size = pick < 6 ? sizes[0] : pick < 8 ? sizes[2] : sizes[1 + 2 * (rng() % 2)];
    if (rng() % 50 == 0) blocks[i].size = sizes[4];
    blocks[i].stream_number = rng() % 8 == 0 ? 1 : 0;
  }
  FreeBlockIndex index;
  Model model;
  int small_free = 0;  // free 512-byte blocks of stream 0: past kMaxScan, their bin is a heap
  int most_small_free = 0;
  for (int step = 0; step < 10'000; ++step) {
    const std::size_t i = rng() % kBlocks;
    Block* b = &blocks[i];
    if (!in[i]) {
      index.insert(b);
      model.free.push_back(b);
    } else {
      index.erase(b);
      std::erase(model.free, b);
    }
    in[i] = !in[i];
    if (b->size == sizes[0] && b->stream_number == 0) {
      small_free += in[i] ? 1 : -1;
      most_small_free = std::max(most_small_free, small_free);
    }
    for (const std::uint16_t stream : {0, 1}) {
      for (std::size_t want : {std::size_t{1}, 512 + std::size_t{1}, 5 * KiB, 2 * MiB, 2 * MiB + 1,
                               7 * MiB, 21 * MiB}) {
        ASSERT_EQ(index.best_fit(stream, want), model.best_fit(stream, want))
            << "step " << step << ", stream " << stream << ", size " << want;
      }
    }
  }
  EXPECT_GT(most_small_free, FreeBlockIndex::kMaxScan) << "the heap form was not exercised";
  // at_least lists the set's blocks of the stream, smallest first.
  const std::vector<Block*> large = index.at_least(0, 3 * MiB);
  for (std::size_t k = 1; k < large.size(); ++k)
    EXPECT_LE(large[k - 1]->size, large[k]->size);
}

}  // namespace
}  // namespace opusperf::gpu::detail
