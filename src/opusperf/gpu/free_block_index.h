// Internal to caching_allocator.cc: the free blocks of one pool, searchable by best fit — the
// smallest block that is large enough, then the lowest address (PyTorch's order).
//
// Per stream, blocks of up to 2 MiB sit in exact size bins (one a 512-byte multiple, 4096 in all)
// with a two-level bitmap of the non-empty ones, so the smallest bin that fits is found with two
// bit scans. A bin is an intrusive circular list in no order (the last inserted first) through a
// sentinel link, so insert and erase are a few pointer updates without branches (whether a bin is
// empty is a coin toss on random workloads, and a mispredicted branch costs more than the
// update), reading no other block's address; best fit looks through the chosen bin for its
// lowest address, which is free for the common bin of one block (its only block is read anyway)
// and bounded by kMaxScan blocks otherwise. A bin that would grow
// past kMaxScan blocks becomes an AddressHeap (address_heap.h) for good: O(log n) insert and
// erase, its lowest address at hand. Long bins are common: the small pool's idle 2 MiB segments
// all share one. Binned sizes allocate nothing but a heap's growth. Blocks above 2 MiB sit in an
// ordered set by (size, address): O(log n), and an insert allocates a node.
//
// Not thread-safe (the allocator's mutex guards it). Blocks are linked in through their `bin`
// link (list), heap_pos (heap) and in_tree (set); a block's size and address must not change
// while it is in the index.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <set>
#include <vector>

#include "opusperf/gpu/address_heap.h"
#include "opusperf/gpu/allocator_block.h"
#include "opusperf/gpu/allocator_options.h"

namespace opusperf::gpu::detail {

class FreeBlockIndex {
 public:
  static constexpr std::size_t kBinnedLimit = kSmallBuffer;  // sizes up to this are binned
  static constexpr std::size_t kBins = kBinnedLimit / kMinBlockSize;
  // The most blocks a bin's list holds; a bin that would grow longer becomes a heap.
  static constexpr int kMaxScan = 256;

  FreeBlockIndex() = default;
  FreeBlockIndex(const FreeBlockIndex&) = delete;
  FreeBlockIndex& operator=(const FreeBlockIndex&) = delete;

  // Streams are known by the allocator's dense numbers (Block::stream_number), so the index finds
  // a block's stream bins by indexing, without reading its Segment (a likely cache miss).
  // REQUIRES: b is not in the index; b->size is a positive multiple of kMinBlockSize.
  void insert(Block* b);
  // REQUIRES: b is in the index, with the size, address and stream it had when inserted.
  void erase(Block* b);
  // Returns the smallest block of stream number `stream` with at least `size` bytes, the lowest
  // address among equals, or nullptr. REQUIRES: size > 0.
  Block* best_fit(std::uint16_t stream, std::size_t size) const;
  // Returns the blocks of stream number `stream` of at least `min_size` bytes, smallest first.
  // REQUIRES: min_size > kBinnedLimit.
  std::vector<Block*> at_least(std::uint16_t stream, std::size_t min_size) const;

 private:
  using Bits = std::array<std::uint64_t, kBins / 64>;
  struct StreamBins {
    StreamBins();
    StreamBins(const StreamBins&) = delete;  // the sentinels link themselves
    StreamBins& operator=(const StreamBins&) = delete;
    // Bin i (blocks of (i + 1) * 512 bytes): the sentinel of its list (unused once it is a heap).
    std::array<BinLink, kBins> lists;
    Bits bits{};                // bit i: bin i is not empty
    std::uint64_t summary = 0;  // bit w: bits[w] != 0
    // Bin i's list length, or, when it is a heap, its index in `heaps`.
    std::array<std::uint16_t, kBins> lengths{};
    Bits heaped{};                        // bit i: bin i is a heap
    std::vector<AddressHeap> heaps;       // the heaped bins'
    std::set<Block*, BlockLess> ordered;  // above kBinnedLimit
  };
  static_assert(kBins / 64 <= 64, "the summary word covers every bitmap word");

  static std::size_t bin_of(std::size_t size) { return size / kMinBlockSize - 1; }
  static bool test(const Bits& bits, std::size_t i) { return (bits[i / 64] >> (i % 64) & 1) != 0; }
  static Block* block_of(BinLink* link) {
    return reinterpret_cast<Block*>(reinterpret_cast<char*>(link) - offsetof(Block, bin));
  }
  static void mark_non_empty(StreamBins& s, std::size_t i);
  // Clears bin i's bit when `empty` (without a branch).
  static void mark_empty_if(StreamBins& s, std::size_t i, bool empty);
  // Returns the block with the lowest address in the non-empty list of `sentinel`.
  static Block* lowest_in_list(const BinLink& sentinel);
  // Adds b to bin i's list. REQUIRES: the bin is in list mode, shorter than kMaxScan.
  static void insert_listed(StreamBins& s, std::size_t i, Block* b);
  // Makes bin i a heap, with the blocks of its list.
  [[gnu::noinline]] static void to_heap(StreamBins& s, std::size_t i);
  // Adds b to / removes it from heaped bin i, keeping the bitmaps current.
  static void heap_insert(StreamBins& s, std::size_t i, Block* b);
  static void heap_erase(StreamBins& s, std::size_t i, Block* b);

  // The bins of stream number `stream`, or nullptr.
  const StreamBins* find(std::uint16_t stream) const {
    return stream < streams_.size() ? streams_[stream].get() : nullptr;
  }
  // The bins of stream number `stream`, made on first use (out of line: rare).
  StreamBins& bins_of(std::uint16_t stream);
  [[gnu::noinline]] StreamBins& make_bins(std::uint16_t stream);

  std::vector<std::unique_ptr<StreamBins>> streams_;  // by stream number; null: never used
};

// The hot paths, inline: the allocator calls them several times an operation.

inline FreeBlockIndex::StreamBins& FreeBlockIndex::bins_of(std::uint16_t stream) {
  if (stream < streams_.size() && streams_[stream] != nullptr) return *streams_[stream];
  return make_bins(stream);
}

inline void FreeBlockIndex::mark_non_empty(StreamBins& s, std::size_t i) {
  s.bits[i / 64] |= std::uint64_t{1} << (i % 64);
  s.summary |= std::uint64_t{1} << (i / 64);
}

inline void FreeBlockIndex::mark_empty_if(StreamBins& s, std::size_t i, bool empty) {
  std::uint64_t& word = s.bits[i / 64];
  word &= ~(std::uint64_t{empty} << (i % 64));
  s.summary &= ~(std::uint64_t{word == 0} << (i / 64));
}

[[gnu::always_inline]] inline void FreeBlockIndex::insert(Block* b) {
  StreamBins& s = bins_of(b->stream_number);
  if (b->size <= kBinnedLimit) {
    const std::size_t i = bin_of(b->size);
    if (!test(s.heaped, i)) {
      if (s.lengths[i] < kMaxScan) {
        insert_listed(s, i, b);
        return;
      }
      to_heap(s, i);  // a long bin: a heap from now on
    }
    heap_insert(s, i, b);
    return;
  }
  b->in_tree = true;
  s.ordered.insert(b);
}

inline void FreeBlockIndex::insert_listed(StreamBins& s, std::size_t i, Block* b) {
  ++s.lengths[i];
  b->in_tree = false;
  BinLink& sentinel = s.lists[i];
  BinLink* const first = sentinel.next;  // the sentinel itself when the bin is empty
  b->bin = {&sentinel, first};
  first->prev = &b->bin;
  sentinel.next = &b->bin;
  mark_non_empty(s, i);
}

inline Block* FreeBlockIndex::lowest_in_list(const BinLink& sentinel) {
  Block* lowest = block_of(sentinel.next);
  for (BinLink* l = sentinel.next->next; l != &sentinel; l = l->next) {
    Block* const b = block_of(l);
    if (b->ptr < lowest->ptr) lowest = b;
  }
  return lowest;
}

inline void FreeBlockIndex::heap_insert(StreamBins& s, std::size_t i, Block* b) {
  b->in_tree = false;
  s.heaps[s.lengths[i]].push(b);
  mark_non_empty(s, i);
}

inline void FreeBlockIndex::heap_erase(StreamBins& s, std::size_t i, Block* b) {
  AddressHeap& h = s.heaps[s.lengths[i]];
  h.erase(b);
  mark_empty_if(s, i, h.empty());
}

[[gnu::always_inline]] inline void FreeBlockIndex::erase(Block* b) {
  StreamBins& s = *streams_[b->stream_number];  // made when b was inserted
  if (b->in_tree) {
    b->in_tree = false;
    s.ordered.erase(b);
    return;
  }
  const std::size_t i = bin_of(b->size);
  if (test(s.heaped, i)) {
    heap_erase(s, i, b);
    return;
  }
  const bool empty = --s.lengths[i] == 0;
  b->bin.prev->next = b->bin.next;
  b->bin.next->prev = b->bin.prev;
  mark_empty_if(s, i, empty);
}

inline Block* FreeBlockIndex::best_fit(std::uint16_t stream, std::size_t size) const {
  const StreamBins* s = find(stream);
  if (s == nullptr) return nullptr;
  if (size <= kBinnedLimit) {
    const std::size_t i = bin_of(size + kMinBlockSize - 1);
    const std::size_t word = i / 64;
    std::size_t bin = kBins;
    const std::uint64_t here = s->bits[word] & (~std::uint64_t{0} << (i % 64));
    if (here != 0) {
      bin = word * 64 + static_cast<std::size_t>(std::countr_zero(here));
    } else {
      const std::uint64_t later =
          word + 1 < 64 ? s->summary & (~std::uint64_t{0} << (word + 1)) : std::uint64_t{0};
      if (later != 0) {
        const auto w = static_cast<std::size_t>(std::countr_zero(later));
        bin = w * 64 + static_cast<std::size_t>(std::countr_zero(s->bits[w]));
      }
    }
    if (bin < kBins) {
      if (test(s->heaped, bin)) return s->heaps[s->lengths[bin]].top();
      const BinLink& sentinel = s->lists[bin];
      BinLink* const first = sentinel.next;
      if (first->next == &sentinel) return block_of(first);  // one block: the lowest
      return lowest_in_list(sentinel);
    }
    // No binned block fits; every block in the ordered set that does is larger than the bins.
  }
  Block key;
  key.size = size;
  const auto it = s->ordered.lower_bound(&key);
  return it != s->ordered.end() ? *it : nullptr;
}

}  // namespace opusperf::gpu::detail
