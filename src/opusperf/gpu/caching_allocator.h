// CachingAllocator: a caching allocator of device memory over a DeviceBackend, the design PyTorch's
// CUDACachingAllocator and RMM's pool resource converge on. Device allocation calls (cudaMalloc,
// mmap) are slow and synchronising; the allocator takes memory from the backend in segments, cuts
// blocks out of them and keeps freed blocks for reuse, so steady-state allocation never reaches
// the device.
//
//   HostBackend backend;                                     // or make_backend("auto")
//   CachingAllocator alloc(backend, {.memory_fraction = 0.8});
//   void* p = alloc.allocate(3 << 20, stream);               // 3 MiB, usable on `stream`
//   alloc.record_stream(p, other);                           // `other` reads it too
//   alloc.deallocate(p);         // reused once `other` has finished what it was given
//   alloc.empty_cache();         // give every unused segment back to the device
//
// Rules (PyTorch's, with its sizes; see allocator_options.h):
//   - Requests round up to a multiple of 512 bytes. Up to 1 MiB they come from the small pool,
//     whose segments are 2 MiB; larger ones from the large pool, with 20 MiB segments for requests
//     under 10 MiB and segments of the request rounded up to 2 MiB above that.
//   - A request takes the best-fitting free block (the smallest that fits, then the lowest
//     address) of its pool that was allocated on the same stream. The rest of the block is split
//     off as a free block when it is at least 512 bytes (small pool) or more than 1 MiB (large).
//   - Blocks of max_split_size or more are never split, and smaller requests never take them; a
//     request of max_split_size or more takes a cached block only if it wastes < 20 MiB.
//   - A freed block merges with free neighbours of its segment.
//   - A block used on other streams (record_stream) returns to the pool only after an event
//     recorded on each of those streams at deallocate() has completed; allocate() checks them.
//   - Reserved memory never exceeds the cap: memory_fraction x the device's total memory. When a
//     request does not fit, the allocator frees cached oversize blocks, then every cached segment,
//     and retries (num_alloc_retries); if it still fails it throws OutOfMemoryError (num_ooms).
//   - With a garbage_collection_threshold, a new segment that would take reserved memory past
//     threshold x cap first frees idle segments, the one idle longest first.
//   - With expandable_segments, each (stream, pool) has one address range reserved once; memory is
//     mapped into it in pages (2 MiB small, 20 MiB large) as needed, so freed blocks coalesce
//     across what would be segment boundaries, and empty_cache() unmaps every free page.
//
// Thread-safety: every method may be called from many threads; one mutex guards the state (a
// futex lock whose uncontended lock and unlock are one atomic instruction each).
// Cost: allocate/deallocate on a cache hit are about 47 ns each (`opusperf bench alloc`, host
// backend, random 1 B - 1 MiB requests, 100,000 operations, a 2-core VM; glibc's malloc/free
// settles at ~200-250 ns on the same workload): two bit scans over exact size bins for the best
// fit, branch-free list updates, an open-addressing hash map update, statistics that cost ~6 ns
// (allocator_counters.h), and no heap allocation for sizes up to 2 MiB but a long bin's growth
// (bins of more than 256 equal free blocks are address heaps, O(log n)); larger sizes use an
// ordered set (O(log n), a node per insert). Most of the time is cache misses on blocks (a chain
// of three to four per operation) and the mispredicted branches of merging free neighbours. A
// miss adds one backend call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "opusperf/gpu/allocator_options.h"
#include "opusperf/gpu/allocator_stats.h"
#include "opusperf/gpu/device_backend.h"
#include "opusperf/gpu/out_of_memory_error.h"

namespace opusperf::gpu {

// One block of a segment, for snapshots.
struct BlockInfo {
  std::uintptr_t address = 0;
  std::size_t size = 0;
  bool allocated = false;  // held by a caller (or waiting for stream events)
  bool mapped = true;      // false: an unmapped hole of an expandable segment
};

// One segment (a backend allocation, or an expandable segment's address range), for snapshots.
struct SegmentInfo {
  std::uintptr_t address = 0;
  std::size_t reserved_bytes = 0;  // memory behind it (mapped bytes of an expandable segment)
  Stream stream;
  bool small_pool = false;
  bool expandable = false;
  std::size_t allocated_bytes = 0;  // in blocks held by callers
  std::vector<BlockInfo> blocks;    // in address order
};

class CachingAllocator {
 public:
  // REQUIRES: `backend` outlives the allocator; options in their documented ranges (throws
  // std::invalid_argument naming the field otherwise).
  explicit CachingAllocator(DeviceBackend& backend, CachingAllocatorOptions options = {});
  // Gives every segment back to the backend. Blocks still allocated are released with them (a
  // warning is logged): pointers must not outlive the allocator.
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // Returns at least `bytes` of device memory, 512-byte aligned, for work on `stream`; nullptr
  // when bytes == 0. Throws OutOfMemoryError when the request cannot be met under the cap.
  void* allocate(std::size_t bytes, Stream stream = {});
  // Frees a block from allocate(). nullptr is ignored.
  // REQUIRES: p came from allocate() on this allocator and is not freed yet (throws
  // std::invalid_argument otherwise).
  void deallocate(void* p);
  // Records that work on `stream` uses p, so that p is reused only after that work is done.
  // REQUIRES: p is allocated by this allocator.
  void record_stream(void* p, Stream stream);

  // Gives back to the device every cached segment no block is allocated from, and every free
  // mapped page of expandable segments. Blocks waiting for stream events stay. Returns the bytes
  // given back.
  std::uint64_t empty_cache();

  // Returns a snapshot of the statistics (allocator_stats.h).
  AllocatorStats stats() const;
  // Sets every peak to its current value.
  void reset_peak_stats();
  // Returns the segments, in no particular order.
  std::vector<SegmentInfo> segments() const;

  // Returns the cap on reserved memory, in bytes: memory_fraction x the device's total memory.
  std::uint64_t cap_bytes() const;
  const CachingAllocatorOptions& options() const;
  // Returns whether expandable segments are in use (asked for and supported by the backend).
  bool expandable_segments() const;
  DeviceBackend& backend() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Returns `bytes` rounded up as the allocator rounds requests (a multiple of 512, at least 512).
std::size_t round_allocation_size(std::size_t bytes);
// Returns the size of the segment a cache miss of `rounded` bytes allocates on plain segments.
std::size_t segment_size_for(std::size_t rounded);

}  // namespace opusperf::gpu
