// Internal to caching_allocator.cc: the blocks and segments the allocator keeps, and the arena
// blocks come from (free blocks wait in a FreeBlockIndex). A segment's blocks tile it in address
// order through prev/next; in an expandable segment unmapped holes are blocks too (mapped ==
// false).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>
#include <vector>

#include "opusperf/gpu/device_backend.h"

namespace opusperf::gpu::detail {

struct Segment;

// A link of a FreeBlockIndex size bin's list: a circular doubly linked list through a sentinel
// link per bin, so inserting and erasing take no branches (an empty bin's sentinel links itself).
struct BinLink {
  BinLink* prev;
  BinLink* next;
};

// 64 bytes, 64-byte aligned: a block is one cache line, and the hot paths read a block's pool, its
// flags and the size its caller requested from that line alone, without a trip to its Segment.
struct alignas(64) Block {
  char* ptr = nullptr;
  std::size_t size = 0;
  Block* prev = nullptr;  // neighbours in the segment, by address
  Block* next = nullptr;
  // The uses never overlap: `bin` links the block into a size bin's list while it is pooled
  // there, heap_pos is its place while pooled in a bin's AddressHeap, requested is the size its
  // caller asked for while it is allocated.
  union {
    BinLink bin = {nullptr, nullptr};
    std::size_t heap_pos;
    std::size_t requested;
  };
  Segment* segment = nullptr;  // its stream is the block's stream
  // Bit-fields, so the flags and the event count share the last 8 bytes of the line.
  bool allocated : 1 = false;    // held by a caller
  bool pooled : 1 = false;       // waiting in a free pool
  bool mapped : 1 = true;        // false: an unmapped hole of an expandable segment
  bool stream_uses : 1 = false;  // record_stream() named other streams (kept by the allocator)
  bool small : 1 = false;        // in the small pool (a copy of segment->small)
  bool in_tree : 1 = false;      // pooled in FreeBlockIndex's ordered set (above 2 MiB)
  // Its stream's number (a copy of segment->stream_number), so the free-block index finds the
  // stream's bins without a trip to the Segment.
  std::uint16_t stream_number = 0;
  int pending_events = 0;  // freed, but used on other streams whose events have not completed

  // A block is split when it shares its segment with other blocks.
  // (Without a branch: on random workloads it is a coin toss.)
  bool is_split() const {
    return (reinterpret_cast<std::uintptr_t>(prev) | reinterpret_cast<std::uintptr_t>(next)) != 0;
  }
  Stream stream() const;
};
static_assert(sizeof(Block) == 64, "a block is one cache line");

struct Segment {
  char* base = nullptr;
  std::size_t size = 0;  // bytes allocated; an expandable segment: address space reserved
  Stream stream;
  std::uint16_t stream_number = 0;  // the allocator's dense number for `stream`
  bool small = false;               // pool
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
// Blocks come in chunks of kChunk, so blocks made together share pages (fewer TLB misses than one
// heap object each), and a recycled block is the one freed last (likeliest still in cache).
class BlockArena {
 public:
  BlockArena() = default;
  BlockArena(const BlockArena&) = delete;
  BlockArena& operator=(const BlockArena&) = delete;

  // Returns a free, unlinked block of `segment` covering [ptr, ptr + size).
  Block* make(Segment* segment, char* ptr, std::size_t size, bool mapped = true) {
    return make_block(segment, segment->small, segment->stream_number, ptr, size, mapped);
  }
  // The same for a piece split off `sibling`: takes the segment, pool and stream from it, so
  // splitting reads no Segment.
  Block* make_beside(const Block* sibling, char* ptr, std::size_t size) {
    return make_block(sibling->segment, sibling->small, sibling->stream_number, ptr, size, true);
  }
  // REQUIRES: b came from make() and is not used any more.
  void recycle(Block* b) {
    b->next = free_;  // the free list is linked through `next`
    free_ = b;
  }

 private:
  Block* make_block(Segment* segment, bool small, std::uint16_t stream_number, char* ptr,
                    std::size_t size, bool mapped);
  // A never used block (out of line: the hot path recycles).
  [[gnu::noinline]] Block* fresh() {
    if (used_ == kChunk) {
      chunks_.push_back(std::make_unique<Block[]>(kChunk));
      used_ = 0;
    }
    return &chunks_.back()[used_++];
  }

  static constexpr std::size_t kChunk = 256;  // 16 KiB of blocks

  std::vector<std::unique_ptr<Block[]>> chunks_;  // stable addresses
  std::size_t used_ = kChunk;                     // blocks handed out of the last chunk
  Block* free_ = nullptr;                         // recycled blocks, the last recycled first
};

inline Block* BlockArena::make_block(Segment* segment, bool small, std::uint16_t stream_number,
                                     char* ptr, std::size_t size, bool mapped) {
  Block* b;
  if (free_ == nullptr) {
    b = fresh();
  } else {
    b = free_;
    free_ = b->next;
    *b = Block{};
  }
  b->ptr = ptr;
  b->size = size;
  b->segment = segment;
  b->small = small;
  b->stream_number = stream_number;
  b->mapped = mapped;
  return b;
}

}  // namespace opusperf::gpu::detail
