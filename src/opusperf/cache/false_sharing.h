// kFalseSharingRange: the alignment that keeps data written by one thread off the lines another
// thread uses, for the cache's per-thread stripes and its hot shared words.
//
//   struct alignas(kFalseSharingRange) PerThread { std::atomic<std::uint64_t> hits; };
//
// Two cache lines, not one: the L2 prefetchers of current x86 cores (Intel's spatial prefetcher,
// AMD's up/down prefetcher) fetch a line's 128-byte neighbour on a miss, so two threads writing
// the two halves of one 128-byte pair take each other's lines now and then, even though no byte is
// shared (folly and Abseil pad to 128 on x86 for the same reason). std::
// hardware_destructive_interference_size says 64 on x86 and GCC warns when a header uses it.
#pragma once

#include <cstddef>

namespace opusperf::cache {

inline constexpr std::size_t kFalseSharingRange = 128;

}  // namespace opusperf::cache
