// Internal to free_block_index.h: the free blocks of one long size bin, as a binary min-heap by
// address, so the lowest address (the best fit among equal sizes) is at the top and insert and
// erase are O(log n). A size bin of a pool often holds hundreds of equal blocks (the small pool's
// idle 2 MiB segments, in `opusperf bench alloc` every segment at the end of a run), and a list
// would be scanned for the next lowest address whenever its head is taken.
//
//   AddressHeap h;
//   h.push(b);          // b->heap_pos now records where b sits
//   Block* lowest = h.top();
//   h.erase(lowest);
//
// Entries carry the address beside the block, so comparisons read no Block (a likely cache miss
// each); a move writes the block's new position into it. Not thread-safe (the allocator's mutex
// guards it); allocates only when it grows past its largest size so far.
#pragma once

#include <cstddef>
#include <vector>

#include "opusperf/gpu/allocator_block.h"

namespace opusperf::gpu::detail {

class AddressHeap {
 public:
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  // The block with the lowest address, or nullptr when empty.
  Block* top() const { return entries_.empty() ? nullptr : entries_.front().block; }

  // REQUIRES: b is in no heap; b->ptr does not change until it is erased.
  void push(Block* b) {
    entries_.push_back({b->ptr, b});
    sift_up(entries_.size() - 1);
  }
  // REQUIRES: b is in this heap.
  void erase(Block* b) {
    const std::size_t pos = b->heap_pos;
    const Entry last = entries_.back();
    entries_.pop_back();
    if (pos == entries_.size()) return;  // b was the last entry
    entries_[pos] = last;
    if (pos > 0 && last.ptr < entries_[(pos - 1) / 2].ptr) {
      sift_up(pos);
    } else {
      sift_down(pos);
    }
  }

 private:
  struct Entry {
    char* ptr;
    Block* block;
  };

  void place(std::size_t pos, const Entry& e) {
    entries_[pos] = e;
    e.block->heap_pos = pos;
  }
  void sift_up(std::size_t pos) {
    const Entry e = entries_[pos];
    while (pos > 0) {
      const std::size_t parent = (pos - 1) / 2;
      if (!(e.ptr < entries_[parent].ptr)) break;
      place(pos, entries_[parent]);
      pos = parent;
    }
    place(pos, e);
  }
  void sift_down(std::size_t pos) {
    const Entry e = entries_[pos];
    const std::size_t n = entries_.size();
    for (;;) {
      std::size_t child = 2 * pos + 1;
      if (child >= n) break;
      if (child + 1 < n && entries_[child + 1].ptr < entries_[child].ptr) ++child;
      if (!(entries_[child].ptr < e.ptr)) break;
      place(pos, entries_[child]);
      pos = child;
    }
    place(pos, e);
  }

  std::vector<Entry> entries_;  // entries_[0] is the lowest address
};

}  // namespace opusperf::gpu::detail
