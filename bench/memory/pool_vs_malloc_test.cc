// Behaviour of the pool benchmark harness (not its speed: figures are reported, never asserted).
#include "bench/memory/pool_vs_malloc.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace opusperf::bench {
namespace {

TEST(PoolBenchmarkTest, MeasuresEveryFigureAndAWarmPoolNeverGoesUpstream) {
  PoolBenchmarkOptions o;
  o.rounds = 1;
  o.frames_per_round = 20;
  o.hit_iterations = 1000;
  o.upstream_check_frames = 300;
  o.measure_mmap_malloc = false;  // keeps this test process's malloc settings alone
  const PoolBenchmarkResult r = run_pool_benchmark(o);
  EXPECT_EQ(r.frame_bytes, 1920u * 1080 * 3);
  EXPECT_GT(r.pool_ns_per_frame, 0);
  EXPECT_GT(r.malloc_ns_per_frame, 0);
  EXPECT_DOUBLE_EQ(r.speedup_vs_malloc, r.malloc_ns_per_frame / r.pool_ns_per_frame);
  EXPECT_EQ(r.frames_in_flight, 4);
  EXPECT_GT(r.single_pool_ns_per_frame, 0);
  EXPECT_DOUBLE_EQ(r.single_speedup_vs_malloc,
                   r.single_malloc_ns_per_frame / r.single_pool_ns_per_frame);
  EXPECT_GT(r.pool_hit_ns, 0);
  EXPECT_EQ(r.mmap_malloc_ns_per_frame, 0);
  EXPECT_GT(r.warmup_upstream_allocations, 0u);
  EXPECT_EQ(r.upstream_allocs_after_warmup, 0u);
  EXPECT_EQ(r.upstream_check_frames, 300);
}

TEST(PoolBenchmarkTest, RejectsNonPositiveCounts) {
  PoolBenchmarkOptions o;
  o.rounds = 0;
  EXPECT_THROW(run_pool_benchmark(o), std::invalid_argument);
  o.rounds = 1;
  o.frames_in_flight = 0;
  EXPECT_THROW(run_pool_benchmark(o), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf::bench
