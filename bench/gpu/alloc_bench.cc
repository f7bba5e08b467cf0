#include "bench/gpu/alloc_bench.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "bench/gpu/size_class_floor.h"
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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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
  if (o.repetitions < 1 || o.baseline_warmups < 0) {
    throw std::invalid_argument(
        "alloc bench: repetitions must be at least 1 and baseline_warmups at least 0");
  }
  const AllocWorkload w = make_alloc_workload(o.workload);
  AllocBenchResult r;
  r.backend = std::string(backend.name());
  r.ops = w.ops.size();
  r.repetitions = o.repetitions;
  const bool host = r.backend == "host";
  r.baseline = host ? "malloc/free" : "cudaMalloc/cudaFree";
  r.timing = host ? "thread_cpu" : "wall";
  const auto measured = [host](const ReplayTime& t) { return host ? t.cpu : t.wall; };
  std::vector<double> pool_wall;
  std::vector<double> base_wall;
  {
    CachingAllocator pool(backend, {.memory_fraction = o.memory_fraction});
    const auto alloc = [&pool](std::size_t n) { return pool.allocate(n); };
    const auto release = [&pool](void* p, std::size_t) { pool.deallocate(p); };
    const ReplayTime cold = replay(w, alloc, release);
    const AllocatorStats after_cold = pool.stats();
    r.pool_cold_ns_per_op = ns_per_op(measured(cold), r.ops);
    r.upstream_share_cold = static_cast<double>(upstream(after_cold)) / static_cast<double>(r.ops);
    for (int rep = 0; rep < o.repetitions; ++rep) {
      const ReplayTime t = replay(w, alloc, release);
      r.pool_runs_ns_per_op.push_back(ns_per_op(measured(t), r.ops));
      pool_wall.push_back(ns_per_op(t.wall, r.ops));
    }
    r.requests = r.ops * static_cast<std::size_t>(o.repetitions);
    r.upstream_calls = upstream(pool.stats()) - upstream(after_cold);
    r.upstream_share = static_cast<double>(r.upstream_calls) / static_cast<double>(r.requests);
  }
  {
    SizeClassFloor floor;
    const auto alloc = [&floor](std::size_t n) { return floor.allocate(n); };
    const auto release = [&floor](void* p, std::size_t) { floor.deallocate(p); };
    replay(w, alloc, release);  // fills its stacks, as the pool's cold run fills its cache
    for (int rep = 0; rep < o.repetitions; ++rep)
      r.floor_runs_ns_per_op.push_back(ns_per_op(measured(replay(w, alloc, release)), r.ops));
  }
  const auto run_baseline = [&]() {
    return host ? replay(
                      w, [](std::size_t n) { return std::malloc(n); },
                      [](void* p, std::size_t) { std::free(p); })
                : replay(
                      w, [&backend](std::size_t n) { return backend.allocate(n); },
                      [&backend](void* p, std::size_t n) { backend.deallocate(p, n); });
  };
  for (int rep = 0; rep < o.baseline_warmups; ++rep)
    r.baseline_warmup_ns_per_op.push_back(ns_per_op(measured(run_baseline()), r.ops));
  for (int rep = 0; rep < o.repetitions; ++rep) {
    const ReplayTime t = run_baseline();
    r.baseline_runs_ns_per_op.push_back(ns_per_op(measured(t), r.ops));
    base_wall.push_back(ns_per_op(t.wall, r.ops));
  }
  r.pool_ns_per_op = median(r.pool_runs_ns_per_op);
  r.baseline_ns_per_op = median(r.baseline_runs_ns_per_op);
  r.pool_wall_ns_per_op = median(pool_wall);
  r.baseline_wall_ns_per_op = median(base_wall);
  r.speedup = r.baseline_ns_per_op / r.pool_ns_per_op;
  r.floor_ns_per_op = median(r.floor_runs_ns_per_op);
  r.floor_speedup = r.baseline_ns_per_op / r.floor_ns_per_op;
  r.expandable_reserved_mib =
      static_cast<double>(fragmenting_sequence_reserved(backend, true)) / kMiB;
  r.plain_reserved_mib = static_cast<double>(fragmenting_sequence_reserved(backend, false)) / kMiB;
  return r;
}

}  // namespace opusperf::bench
