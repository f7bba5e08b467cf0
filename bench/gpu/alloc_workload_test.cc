#include "bench/gpu/alloc_workload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <vector>

#include "bench/gpu/alloc_bench.h"
#include "opusperf/gpu/host_backend.h"

namespace opusperf::bench {
namespace {

TEST(AllocWorkloadTest, EveryAllocationIsFreedAndOperationsAreExact) {
  const AllocWorkload w = make_alloc_workload({.operations = 10'000, .seed = 7});
  EXPECT_EQ(w.ops.size(), 10'000u);
  EXPECT_EQ(w.allocations, 5'000u);
  std::size_t live = 0;
  std::size_t allocs = 0;
  for (const AllocOp& op : w.ops) {
    if (op.allocate) {
      ++live;
      ++allocs;
      EXPECT_GE(op.value, 1u);
      EXPECT_LE(op.value, std::size_t{1} << 20);
    } else {
      ASSERT_LT(op.value, live);
      --live;
    }
  }
  EXPECT_EQ(live, 0u);
  EXPECT_EQ(allocs, 5'000u);
}

TEST(AllocWorkloadTest, AllocatesAboutSeventyThreePercentWhileGrowing) {
  // With no usage limit in reach, only the 73% coin decides until the last allocation.
  const AllocWorkload w =
      make_alloc_workload({.operations = 100'000, .max_usage = std::size_t{1} << 40});
  std::size_t allocs = 0;
  std::size_t steps = 0;
  for (const AllocOp& op : w.ops) {  // until the last allocation, steps follow the 73% coin
    ++steps;
    if (op.allocate && ++allocs == w.allocations) break;
  }
  const double share = static_cast<double>(allocs) / static_cast<double>(steps);
  EXPECT_NEAR(share, 0.73, 0.01);
}

TEST(AllocWorkloadTest, LiveBytesStayNearMaxUsage) {
  const AllocWorkload w =
      make_alloc_workload({.operations = 20'000, .max_usage = std::size_t{64} << 20});
  EXPECT_LE(w.peak_live_bytes, (std::size_t{64} << 20) + (std::size_t{1} << 20));
  EXPECT_GT(w.peak_live_bytes, std::size_t{60} << 20);
}

TEST(AllocWorkloadTest, IsDeterministicForASeed) {
  const AllocWorkload a = make_alloc_workload({.operations = 1'000, .seed = 3});
  const AllocWorkload b = make_alloc_workload({.operations = 1'000, .seed = 3});
  ASSERT_EQ(a.ops.size(), b.ops.size());
  for (std::size_t i = 0; i < a.ops.size(); ++i) {
    EXPECT_EQ(a.ops[i].allocate, b.ops[i].allocate);
    EXPECT_EQ(a.ops[i].value, b.ops[i].value);
  }
}

TEST(AllocWorkloadTest, RejectsBadOptions) {
  EXPECT_THROW(make_alloc_workload({.operations = 3}), std::invalid_argument);
  EXPECT_THROW(make_alloc_workload({.operations = 0}), std::invalid_argument);
  EXPECT_THROW(make_alloc_workload({.max_size = 0}), std::invalid_argument);
  EXPECT_THROW(make_alloc_workload({.max_size = 100, .max_usage = 10}), std::invalid_argument);
  EXPECT_THROW(make_alloc_workload({.allocate_percent = 100}), std::invalid_argument);
}

TEST(AllocWorkloadTest, ReplayFreesExactlyWhatItAllocated) {
  const AllocWorkload w = make_alloc_workload({.operations = 2'000});
  std::set<void*> live;
  std::size_t bytes_live = 0;
  replay(
      w,
      [&](std::size_t n) {
        void* p = new char[n];
        live.insert(p);
        bytes_live += n;
        return p;
      },
      [&](void* p, std::size_t n) {
        EXPECT_EQ(live.erase(p), 1u);
        bytes_live -= n;
        delete[] static_cast<char*>(p);
      });
  EXPECT_TRUE(live.empty());
  EXPECT_EQ(bytes_live, 0u);
}

TEST(AllocBenchTest, FragmentingSequenceOnTheHostBackend) {
  gpu::HostBackend backend({.capacity_bytes = std::uint64_t{1} << 30});
  EXPECT_EQ(fragmenting_sequence_reserved(backend, false), std::uint64_t{256} << 20);
  EXPECT_EQ(fragmenting_sequence_reserved(backend, true), std::uint64_t{140} << 20);
  EXPECT_EQ(backend.bytes_in_use(), 0u);
}

TEST(AllocBenchTest, ReportsBothSidesOfASmallRun) {
  gpu::HostBackend backend({.capacity_bytes = std::uint64_t{1} << 30});
  const AllocBenchResult r = run_alloc_bench(
      backend, {.workload = {.operations = 2'000, .max_usage = std::size_t{64} << 20},
                .repetitions = 3,
                .baseline_warmups = 2});
  EXPECT_EQ(r.backend, "host");
  EXPECT_EQ(r.baseline, "malloc/free");
  EXPECT_EQ(r.ops, 2'000u);
  EXPECT_EQ(r.repetitions, 3);
  EXPECT_EQ(r.requests, 3 * 2'000u);  // every measured run
  EXPECT_EQ(r.pool_runs_ns_per_op.size(), 3u);
  EXPECT_EQ(r.baseline_runs_ns_per_op.size(), 3u);
  EXPECT_EQ(r.baseline_warmup_ns_per_op.size(), 2u);
  // The figures are the medians of the measured runs.
  std::vector<double> pool = r.pool_runs_ns_per_op;
  std::sort(pool.begin(), pool.end());
  EXPECT_DOUBLE_EQ(r.pool_ns_per_op, pool[1]);
  std::vector<double> base = r.baseline_runs_ns_per_op;
  std::sort(base.begin(), base.end());
  EXPECT_DOUBLE_EQ(r.baseline_ns_per_op, base[1]);
  EXPECT_GT(r.pool_ns_per_op, 0);
  EXPECT_GT(r.baseline_ns_per_op, 0);
  EXPECT_DOUBLE_EQ(r.speedup, r.baseline_ns_per_op / r.pool_ns_per_op);
  // The size-class floor ran as often as the pool, and its speed-up is the baseline's over it.
  ASSERT_EQ(r.floor_runs_ns_per_op.size(), 3u);
  std::vector<double> floor = r.floor_runs_ns_per_op;
  std::sort(floor.begin(), floor.end());
  EXPECT_DOUBLE_EQ(r.floor_ns_per_op, floor[1]);
  EXPECT_GT(r.floor_ns_per_op, 0);
  EXPECT_DOUBLE_EQ(r.floor_speedup, r.baseline_ns_per_op / r.floor_ns_per_op);
  EXPECT_GT(r.upstream_share_cold, 0);  // the first run had to fill the cache
  EXPECT_LE(r.upstream_share, 0.01);    // the same workload again is served from it
  EXPECT_EQ(r.plain_reserved_mib, 256);
  EXPECT_EQ(r.expandable_reserved_mib, 140);
  EXPECT_EQ(backend.bytes_in_use(), 0u);
}

TEST(AllocBenchTest, RefusesNoMeasuredRuns) {
  gpu::HostBackend backend({.capacity_bytes = std::uint64_t{1} << 30});
  EXPECT_THROW(run_alloc_bench(backend, {.workload = {.operations = 2}, .repetitions = 0}),
               std::invalid_argument);
  EXPECT_THROW(run_alloc_bench(backend, {.workload = {.operations = 2}, .baseline_warmups = -1}),
               std::invalid_argument);
}

}  // namespace
}  // namespace opusperf::bench
