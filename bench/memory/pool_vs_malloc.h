// The BufferPool benchmark behind `opusperf bench memory` and `opusperf quickstart memory`:
// acquiring, touching and releasing frame buffers from a BufferPool against malloc + touch + free,
// in the same process and interleaved round by round; the cost of a pool hit; and how many
// upstream allocations a warmed pool makes over many frames of three sizes.
//
// Frames pass in bursts of frames_in_flight (default 4): a burst's frames are acquired and
// touched, then all released, as a decoder hands a chunk of frames to analysis and takes them
// back. That is the pattern glibc's malloc handles worst: freeing a burst leaves a free top of the
// heap above its trim threshold (twice the raised mmap threshold, so two 1080p frames suffice),
// which it returns to the OS, and the next burst faults every page in again. One frame at a time
// (also measured, as single_*) glibc keeps the block and is as fast as the pool.
//
// "Touch" writes one byte to every page of the buffer, which is what makes the first use of fresh
// memory expensive (a page fault and a zeroed page from the kernel a page); the pool's buffers are
// already resident. Two malloc baselines are measured:
//   - malloc as glibc behaves by default. glibc serves a 6.2 MB request with mmap at first, but
//     freeing that block raises its dynamic mmap threshold, and from then on the same request is
//     served from the heap and stays resident: malloc then caches the block much as the pool does.
//   - malloc with M_MMAP_THRESHOLD pinned to glibc's documented default of 128 KiB (as services
//     set it, e.g. MALLOC_MMAP_THRESHOLD_=131072, to return large blocks to the OS at once): every
//     6.2 MB request is an mmap, page faults on first touch, and a munmap.
// The pinned baseline runs last, since mallopt(M_MMAP_THRESHOLD) cannot be undone in a process,
// after malloc_trim(0) (a free block already in the heap would be reused whatever the threshold),
// and the result says whether a malloc of the frame size was then seen to be mmapped.
//
// Not thread-safe (it changes process-wide malloc settings); run one at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace opusperf {
class BufferPool;
}

namespace opusperf::bench {

struct PoolBenchmarkOptions {
  std::size_t frame_bytes = 1920 * 1080 * 3;  // 1080p RGB24
  int rounds = 5;                   // interleaved rounds; each figure is the median over rounds
  int frames_per_round = 200;       // pool and default-malloc frames a round, each pattern
  int frames_in_flight = 4;         // frames held at once (a burst); 1: one frame at a time
  int mmap_frames_per_round = 50;   // pinned-threshold malloc frames a round (each ~1 ms or more)
  bool measure_mmap_malloc = true;  // false: skip the pinned baseline (leaves mallopt alone)
  int hit_iterations = 1'000'000;   // acquire + release pairs for the hit cost, a round
  int upstream_check_frames = 10'000;  // frames of three sizes after warm-up
};

struct PoolBenchmarkResult {
  std::size_t frame_bytes = 0;
  double pool_ns_per_frame = 0;           // acquire + touch + release
  double malloc_ns_per_frame = 0;         // malloc + touch + free, glibc defaults
  double mmap_malloc_ns_per_frame = 0;    // malloc + touch + free, threshold pinned (0: skipped)
  double speedup_vs_malloc = 0;           // malloc_ns / pool_ns
  int frames_in_flight = 0;               // the burst size of the figures above
  double single_pool_ns_per_frame = 0;    // one frame in flight at a time
  double single_malloc_ns_per_frame = 0;  // ... malloc + touch + free, glibc defaults
  double single_speedup_vs_malloc = 0;
  double speedup_vs_mmap_malloc = 0;  // mmap_malloc_ns / pool_ns (0: skipped)
  bool mmap_malloc_verified = false;  // a pinned malloc of frame_bytes was seen to be mmapped
  double pool_hit_ns = 0;             // one acquire + release of a warm 1080p RGB buffer
  std::uint64_t warmup_upstream_allocations = 0;
  std::uint64_t upstream_allocs_after_warmup = 0;  // over upstream_check_frames frames
  int upstream_check_frames = 0;
};

// Passes n frames of `bytes` through `pool` (acquire, touch every page) or through malloc + touch,
// in bursts of in_flight frames released together; returns the wall time per frame in ns.
// Throws std::bad_alloc when malloc or the pool's upstream fails.
double pool_frames_ns(BufferPool& pool, std::size_t bytes, int n, int in_flight);
double malloc_frames_ns(std::size_t bytes, int n, int in_flight);

// Runs the benchmark. Throws std::invalid_argument on non-positive counts.
PoolBenchmarkResult run_pool_benchmark(const PoolBenchmarkOptions& options);

}  // namespace opusperf::bench
