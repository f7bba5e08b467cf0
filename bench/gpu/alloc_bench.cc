#include "bench/gpu/alloc_bench.h"

#include <cstdlib>
#include <vector>

#include "opusperf/gpu/caching_allocator.h"

namespace opusperf::bench {
namespace {

using gpu::AllocatorStats;
using gpu::CachingAllocator;
using gpu::kStatAll;

constexpr double kMiB = 1024.0 * 1024.0;

double ns_per_op(std::chrono::nanoseconds took, std::size_t ops) {
  return static_cast<double>(took.count()) / static_cast<double>(ops);
}

// Runs the workload twice (warm-up, measured). Returns the measured run's time.
template <class Alloc, class Release>
ReplayTime warm_replay(const AllocWorkload& w, Alloc&& alloc, Release&& release) {
  replay(w, alloc, release);
  return replay(w, alloc, release);
}

std::uint64_t upstream(const AllocatorStats& s) {
  return static_cast<std::uint64_t>(s.num_device_alloc + s.num_device_free);
}

}  // namespace

std::uint64_t fragmenting_sequence_reserved(gpu::DeviceBackend& backend, bool expandable) {
  constexpr std::size_t MiB = 1 << 20;
  CachingAllocator pool(backend, {.memory_fraction = 1.0, .expandable_segments = expandable});
  std::vector<void*> blocks;
  for (int i = 0; i < 8; ++i)
    blocks.push_back(pool.allocate(16 * MiB));
  for (void* p : blocks)
    pool.deallocate(p);
  blocks.clear();
  for (int i = 0; i < 4; ++i)
    blocks.push_back(pool.allocate(32 * MiB));
  const auto reserved = static_cast<std::uint64_t>(pool.stats().reserved_bytes[kStatAll].current);
  for (void* p : blocks)
    pool.deallocate(p);
  return reserved;
}

AllocBenchResult run_alloc_bench(gpu::DeviceBackend& backend, const AllocBenchOptions& o) {
  const AllocWorkload w = make_alloc_workload(o.workload);
  AllocBenchResult r;
  r.backend = std::string(backend.name());
  r.ops = w.ops.size();
  const bool cpu_time = r.backend == "host";
  r.timing = cpu_time ? "thread_cpu" : "wall";
  const auto measured = [cpu_time](const ReplayTime& t) { return cpu_time ? t.cpu : t.wall; };
  {
    CachingAllocator pool(backend, {.memory_fraction = o.memory_fraction});
    const auto alloc = [&pool](std::size_t n) { return pool.allocate(n); };
    const auto release = [&pool](void* p, std::size_t) { pool.deallocate(p); };
    const ReplayTime cold = replay(w, alloc, release);
    const AllocatorStats after_cold = pool.stats();
    const ReplayTime warm = replay(w, alloc, release);
    const AllocatorStats after_warm = pool.stats();
    r.pool_cold_ns_per_op = ns_per_op(measured(cold), r.ops);
    r.pool_ns_per_op = ns_per_op(measured(warm), r.ops);
    r.pool_wall_ns_per_op = ns_per_op(warm.wall, r.ops);
    r.requests = r.ops;
    r.upstream_calls = upstream(after_warm) - upstream(after_cold);
    r.upstream_share = static_cast<double>(r.upstream_calls) / static_cast<double>(r.requests);
    r.upstream_share_cold = static_cast<double>(upstream(after_cold)) / static_cast<double>(r.ops);
  }
  ReplayTime baseline;
  if (r.backend == "host") {
    r.baseline = "malloc/free";
    baseline = warm_replay(
        w, [](std::size_t n) { return std::malloc(n); },
        [](void* p, std::size_t) { std::free(p); });
  } else {
    r.baseline = "cudaMalloc/cudaFree";
    baseline = warm_replay(
        w, [&backend](std::size_t n) { return backend.allocate(n); },
        [&backend](void* p, std::size_t n) { backend.deallocate(p, n); });
  }
  r.baseline_ns_per_op = ns_per_op(measured(baseline), r.ops);
  r.baseline_wall_ns_per_op = ns_per_op(baseline.wall, r.ops);
  r.speedup = r.baseline_ns_per_op / r.pool_ns_per_op;
  r.expandable_reserved_mib =
      static_cast<double>(fragmenting_sequence_reserved(backend, true)) / kMiB;
  r.plain_reserved_mib = static_cast<double>(fragmenting_sequence_reserved(backend, false)) / kMiB;
  return r;
}

}  // namespace opusperf::bench
