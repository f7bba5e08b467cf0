// Internal to caching_allocator.cc: the blocks and segments the allocator keeps, and the pools
// (ordered sets) free blocks wait in. A segment's blocks tile it in address order through
// prev/next; in an expandable segment unmapped holes are blocks too (mapped == false).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <tuple>
#include <vector>

#include "opusperf/gpu/device_backend.h"

namespace opusperf::gpu::detail {

struct Segment;

// 64 bytes, 64-byte aligned: a block is one cache line. (The size a caller requested is kept with
// the allocation in the allocator's address map.)
struct alignas(64) Block {
  char* ptr = nullptr;
  std::size_t size = 0;
  Block* prev = nullptr;  // neighbours in the segment, by address
  Block* next = nullptr;
  Block* bin_prev = nullptr;  // neighbours in a FreeBlockIndex size bin, while pooled
  Block* bin_next = nullptr;
  Segment* segment = nullptr;  // its stream is the block's stream
  bool allocated = false;      // held by a caller
  bool pooled = false;         // waiting in a free pool
  bool mapped = true;          // false: an unmapped hole of an expandable segment
  bool stream_uses = false;    // record_stream() named other streams (kept by the allocator)
  int pending_events = 0;      // freed, but used on other streams whose events have not completed

  // A block is split when it shares its segment with other blocks.
  bool is_split() const { return prev != nullptr || next != nullptr; }
  Stream stream() const;
};
static_assert(sizeof(Block) == 64, "a block is one cache line");

struct Segment {
  char* base = nullptr;
  std::size_t size = 0;  // bytes allocated; an expandable segment: address space reserved
  Stream stream;
  bool small = false;  // pool
  bool expandable = false;
  std::size_t page_size = 0;     // expandable: the unit memory is mapped in
  std::size_t mapped_bytes = 0;  // expandable: memory mapped now
  Block* head = nullptr;         // lowest-address block; never replaced while the segment lives
  std::uint64_t idle_since = 0;  // plain: idle clock when its last block was freed (for GC)
};

inline Stream Block::stream() const {
  return segment->stream;
}

// Best fit among one stream's blocks: the smallest that is large enough, then the lowest address.
struct BlockLess {
  bool operator()(const Block* a, const Block* b) const {
    return std::tie(a->size, a->ptr) < std::tie(b->size, b->ptr);
  }
};

// Owns Block objects and recycles them, so splitting and merging allocate nothing in steady state.
class BlockArena {
 public:
  BlockArena() = default;
  BlockArena(const BlockArena&) = delete;
  BlockArena& operator=(const BlockArena&) = delete;

  // Returns a free, unlinked block of `segment` covering [ptr, ptr + size).
  Block* make(Segment* segment, char* ptr, std::size_t size, bool mapped = true);
  // REQUIRES: b came from make() and is not used any more.
  void recycle(Block* b) { free_.push_back(b); }

 private:
  std::deque<Block> storage_;  // stable addresses
  std::vector<Block*> free_;
};

inline Block* BlockArena::make(Segment* segment, char* ptr, std::size_t size, bool mapped) {
  Block* b;
  if (free_.empty()) {
    b = &storage_.emplace_back();
  } else {
    b = free_.back();
    free_.pop_back();
    *b = Block{};
  }
  b->ptr = ptr;
  b->size = size;
  b->segment = segment;
  b->mapped = mapped;
  return b;
}

}  // namespace opusperf::gpu::detail
