// CachingAllocatorOptions: the settings of the caching device allocator (caching_allocator.h), and
// the size classes it shares with PyTorch's CUDACachingAllocator. Every default is documented here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace opusperf::gpu {

// Size classes (PyTorch's values; the allocator's behaviour is specified in terms of them).
inline constexpr std::size_t kMinBlockSize = 512;        // every request rounds up to a multiple
inline constexpr std::size_t kSmallSize = 1ull << 20;    // requests up to 1 MiB use the small pool
inline constexpr std::size_t kSmallBuffer = 2ull << 20;  // segment size of the small pool
inline constexpr std::size_t kMinLargeAlloc = 10ull << 20;  // below: 20 MiB segments
inline constexpr std::size_t kLargeBuffer = 20ull << 20;    // segment for 1-10 MiB requests
inline constexpr std::size_t kRoundLarge = 2ull << 20;      // larger segments round to 2 MiB

struct CachingAllocatorOptions {
  // Share of the device's total memory the allocator may reserve (OptimizationConfig's
  // tensor_memory_fraction); (0, 1]. Going past it throws OutOfMemoryError.
  double memory_fraction = 0.9;
  // Blocks of this size or more are never split, and requests below it never take them
  // ("oversize" blocks, PyTorch's max_split_size_mb). Default: no limit. Range: >= kLargeBuffer.
  std::size_t max_split_size = std::numeric_limits<std::size_t>::max();
  // When a new segment would take reserved memory past this share of the cap, the allocator first
  // frees idle cached segments, oldest idle first (PyTorch's garbage_collection_threshold).
  // 0 = off (the default); otherwise in (0, 1).
  double garbage_collection_threshold = 0.0;
  // Expandable segments: one address range a (stream, pool) reserved once, with memory mapped into
  // it page by page as the pool grows and unmapped when empty_cache() runs, so freed neighbours
  // coalesce into blocks of any size. Needs DeviceBackend::supports_virtual_memory(); ignored
  // (plain segments) where the backend lacks it. Default: off, like PyTorch.
  bool expandable_segments = false;
};

}  // namespace opusperf::gpu
