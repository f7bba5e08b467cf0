// The caching allocator's hit path on the host backend: allocate and free one block of the given
// size, served from the cache after the first iteration; malloc/free of the same size beside it.
//   opusperf bench micro --filter Allocator
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "opusperf/gpu/caching_allocator.h"
#include "opusperf/gpu/host_backend.h"

namespace opusperf::gpu {
namespace {

void BM_CachingAllocatorAllocFree(benchmark::State& state) {
  HostBackend backend({.capacity_bytes = std::uint64_t{1} << 30});
  CachingAllocator alloc(backend);
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = alloc.allocate(bytes);
    benchmark::DoNotOptimize(p);
    alloc.deallocate(p);
  }
}
BENCHMARK(BM_CachingAllocatorAllocFree)->Arg(4096)->Arg(1 << 20)->Arg(8 << 20);

void BM_CachingAllocatorMallocFreeBaseline(benchmark::State& state) {
  const auto bytes = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = std::malloc(bytes);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}
BENCHMARK(BM_CachingAllocatorMallocFreeBaseline)->Arg(4096)->Arg(1 << 20)->Arg(8 << 20);

}  // namespace
}  // namespace opusperf::gpu
