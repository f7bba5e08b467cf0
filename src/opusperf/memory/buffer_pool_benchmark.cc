// Micro-benchmarks of the BufferPool (`opusperf bench micro --filter BufferPool`): a pool hit, and
// acquire + touch every page + release of a 1080p RGB frame against malloc + touch + free (glibc
// defaults) and against fresh mmap + touch + munmap (what malloc does above its mmap threshold).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <new>

#include "opusperf/memory/buffer_pool.h"
#include "opusperf/memory/frame_size_classes.h"
#include "opusperf/memory/mmap_memory_resource.h"

namespace opusperf {
namespace {

const std::size_t kFrame = frame_bytes(1920, 1080, PixelFormat::kRgb24);

void touch_pages(std::byte* p, std::size_t bytes) {
  const std::size_t page = MmapMemoryResource::page_size();
  for (std::size_t off = 0; off < bytes; off += page)
    p[off] = std::byte{1};
  benchmark::DoNotOptimize(p);
  benchmark::ClobberMemory();
}

void BM_BufferPoolHit(benchmark::State& state) {
  BufferPool pool;
  pool.acquire(kFrame).reset();
  for (auto _ : state) {
    Buffer b = pool.acquire(kFrame);
    benchmark::DoNotOptimize(b.data());
  }
}
BENCHMARK(BM_BufferPoolHit);

void BM_BufferPoolFrameTouch(benchmark::State& state) {
  BufferPool pool;
  for (auto _ : state) {
    Buffer b = pool.acquire(kFrame);
    touch_pages(b.data(), kFrame);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_BufferPoolFrameTouch);

void BM_MallocFrameTouch(benchmark::State& state) {
  for (auto _ : state) {
    auto* p = static_cast<std::byte*>(std::malloc(kFrame));
    if (p == nullptr) throw std::bad_alloc();
    touch_pages(p, kFrame);
    std::free(p);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_MallocFrameTouch);

void BM_MmapFrameTouch(benchmark::State& state) {
  MmapMemoryResource& os = MmapMemoryResource::instance();
  for (auto _ : state) {
    auto* p = static_cast<std::byte*>(os.allocate(kFrame, 64));
    touch_pages(p, kFrame);
    os.deallocate(p, kFrame, 64);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * kFrame));
}
BENCHMARK(BM_MmapFrameTouch);

}  // namespace
}  // namespace opusperf
