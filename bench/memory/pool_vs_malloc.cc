#include "bench/memory/pool_vs_malloc.h"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <tuple>
#include <utility>
#include <vector>

#include "opusperf/memory/buffer_pool.h"
#include "opusperf/memory/frame_size_classes.h"
#include "opusperf/memory/statistics_resource_adaptor.h"

namespace opusperf::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Keeps the compiler from eliding the writes (or a whole malloc/free pair) it can see no use of.
inline void escape(void* p) {
  asm volatile("" : : "g"(p) : "memory");
}

// Writes one byte to every page of [p, p + bytes).
inline void touch(std::byte* p, std::size_t bytes, int value) {
  const std::size_t page = MmapMemoryResource::page_size();
  for (std::size_t off = 0; off < bytes; off += page)
    p[off] = static_cast<std::byte>(value);
  escape(p);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <class F>
double ns_per(int n, F&& body) {
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i)
    body(i);
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n;
}

}  // namespace

double pool_frames_ns(BufferPool& pool, std::size_t bytes, int n, int in_flight) {
  std::vector<Buffer> held;
  held.reserve(static_cast<std::size_t>(in_flight));
  const double ns = ns_per(n, [&](int i) {
    held.push_back(pool.acquire(bytes));
    touch(held.back().data(), bytes, i);
    if (static_cast<int>(held.size()) == in_flight) held.clear();
  });
  held.clear();
  return ns;
}

double malloc_frames_ns(std::size_t bytes, int n, int in_flight) {
  std::vector<std::byte*> held;
  held.reserve(static_cast<std::size_t>(in_flight));
  const auto release = [&] {
    for (std::byte* p : held)
      std::free(p);
    held.clear();
  };
  const double ns = ns_per(n, [&](int i) {
    auto* p = static_cast<std::byte*>(std::malloc(bytes));
    if (p == nullptr) throw std::bad_alloc();
    held.push_back(p);
    touch(p, bytes, i);
    if (static_cast<int>(held.size()) == in_flight) release();
  });
  release();
  return ns;
}

namespace {

double pool_hits(BufferPool& pool, std::size_t bytes, int n) {
  return ns_per(n, [&](int) {
    Buffer b = pool.acquire(bytes);
    escape(b.data());
  });
}

// Returns whether malloc(bytes) now gets a block of its own mapping (glibc's hblkhd grows by it).
bool malloc_is_mmapped(std::size_t bytes) {
  const std::size_t before = ::mallinfo2().hblkhd;
  void* p = std::malloc(bytes);
  const std::size_t during = ::mallinfo2().hblkhd;
  std::free(p);
  return p != nullptr && during >= before + bytes;
}

// Upstream allocations a pool makes over `frames` frames of three sizes, four in flight, after a
// warm-up of the same pattern; returns {warm-up allocations, allocations after}.
std::pair<std::uint64_t, std::uint64_t> upstream_after_warmup(int frames) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool({}, &upstream);
  const std::size_t sizes[] = {frame_bytes(1280, 720, PixelFormat::kNv12),
                               frame_bytes(1920, 1080, PixelFormat::kRgb24),
                               frame_bytes(3840, 2160, PixelFormat::kNv12)};
  const auto run = [&](int n) {
    std::vector<Buffer> in_flight;
    for (int i = 0; i < n; ++i) {
      Buffer b = pool.acquire(sizes[i % 3]);
      touch(b.data(), b.size(), i);
      in_flight.push_back(std::move(b));
      if (in_flight.size() > 4) in_flight.erase(in_flight.begin());
    }
  };
  run(30);
  const std::uint64_t warm = upstream.stats().allocations;
  run(frames);
  return {warm, upstream.stats().allocations - warm};
}

}  // namespace

PoolBenchmarkResult run_pool_benchmark(const PoolBenchmarkOptions& o) {
  if (o.rounds < 1 || o.frames_per_round < 1 || o.mmap_frames_per_round < 1 ||
      o.frames_in_flight < 1 || o.hit_iterations < 1 || o.upstream_check_frames < 1 ||
      o.frame_bytes == 0) {
    throw std::invalid_argument("pool benchmark: every count must be positive");
  }
  PoolBenchmarkResult r;
  r.frame_bytes = o.frame_bytes;
  r.frames_in_flight = o.frames_in_flight;
  BufferPool pool;
  // Warm-up: the pool's buffers are resident from here on, and glibc settles its mmap threshold.
  pool_frames_ns(pool, o.frame_bytes, 2 * o.frames_in_flight, o.frames_in_flight);
  malloc_frames_ns(o.frame_bytes, 2 * o.frames_in_flight, o.frames_in_flight);
  malloc_frames_ns(o.frame_bytes, 2, 1);
  std::vector<double> pool_ns, malloc_ns, single_pool_ns, single_malloc_ns, hit_ns;
  for (int round = 0; round < o.rounds; ++round) {
    pool_ns.push_back(pool_frames_ns(pool, o.frame_bytes, o.frames_per_round, o.frames_in_flight));
    malloc_ns.push_back(malloc_frames_ns(o.frame_bytes, o.frames_per_round, o.frames_in_flight));
    single_pool_ns.push_back(pool_frames_ns(pool, o.frame_bytes, o.frames_per_round, 1));
    single_malloc_ns.push_back(malloc_frames_ns(o.frame_bytes, o.frames_per_round, 1));
    hit_ns.push_back(pool_hits(pool, o.frame_bytes, o.hit_iterations));
  }
  r.pool_ns_per_frame = median(pool_ns);
  r.malloc_ns_per_frame = median(malloc_ns);
  r.speedup_vs_malloc = r.malloc_ns_per_frame / r.pool_ns_per_frame;
  r.single_pool_ns_per_frame = median(single_pool_ns);
  r.single_malloc_ns_per_frame = median(single_malloc_ns);
  r.single_speedup_vs_malloc = r.single_malloc_ns_per_frame / r.single_pool_ns_per_frame;
  r.pool_hit_ns = median(hit_ns);
  std::tie(r.warmup_upstream_allocations, r.upstream_allocs_after_warmup) =
      upstream_after_warmup(o.upstream_check_frames);
  r.upstream_check_frames = o.upstream_check_frames;

  if (o.measure_mmap_malloc) {
    ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    // Hand the heap's free top back first: malloc serves a request from free heap memory before
    // it considers mmap, so without this the pinned threshold would not apply to our frames.
    ::malloc_trim(0);
    r.mmap_malloc_verified = malloc_is_mmapped(o.frame_bytes);
    std::vector<double> pinned, pool_again;
    for (int round = 0; round < o.rounds; ++round) {
      pool_again.push_back(
          pool_frames_ns(pool, o.frame_bytes, o.frames_per_round, o.frames_in_flight));
      pinned.push_back(
          malloc_frames_ns(o.frame_bytes, o.mmap_frames_per_round, o.frames_in_flight));
    }
    r.mmap_malloc_ns_per_frame = median(pinned);
    r.speedup_vs_mmap_malloc = r.mmap_malloc_ns_per_frame / median(pool_again);
  }
  return r;
}

}  // namespace opusperf::bench
