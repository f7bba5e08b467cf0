#include "opusperf/monitor/operation_metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace opusperf {
namespace {

using namespace std::chrono_literals;

TEST(OperationMetricsTest, ThroughputIsUnitsPerSecondOfWallTime) {
  OperationMetrics m;
  m.wall_time = 500ms;
  m.units = 100;
  EXPECT_DOUBLE_EQ(m.throughput(), 200.0);
  m.units = 0;
  EXPECT_DOUBLE_EQ(m.throughput(), 0.0);
  m.units = 5;
  m.wall_time = 0ns;
  EXPECT_DOUBLE_EQ(m.throughput(), 0.0);
}

TEST(OperationMetricsTest, StatsAccumulateCalls) {
  OperationStats stats("op");
  OperationMetrics m;
  m.wall_time = 2ms;
  m.cpu_time = 1ms;
  m.units = 4;
  m.rss_delta_bytes = 4096;
  stats.record(m);
  m.succeeded = false;
  m.rss_delta_bytes.reset();
  stats.record(m);
  EXPECT_EQ(stats.calls(), 2u);
  EXPECT_EQ(stats.errors(), 1u);
  EXPECT_EQ(stats.cpu_time_total(), 2ms);
  EXPECT_EQ(stats.units_total(), 8u);
  EXPECT_EQ(stats.rss_delta_total(), 4096);
  EXPECT_EQ(stats.rss_samples(), 1u);
  EXPECT_EQ(stats.wall_ns().count(), 2u);
}

TEST(OperationMetricsTest, RssIsSampledForLongOperationsOnly) {
  OperationStats fast("fast");
  EXPECT_TRUE(fast.should_sample_rss());  // first call: nothing known yet
  OperationMetrics m;
  m.wall_time = 1us;
  fast.record(m);
  EXPECT_FALSE(fast.should_sample_rss());
  OperationStats slow("slow");
  m.wall_time = 1ms;
  slow.record(m);
  EXPECT_TRUE(slow.should_sample_rss());
}

TEST(OperationMetricsTest, RegistryReturnsOneStatsPerName) {
  OperationRegistry reg;
  OperationStats& a = reg.get("a");
  EXPECT_EQ(&reg.get("a"), &a);
  reg.get("c");
  reg.get("b");
  const auto all = reg.all();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->name(), "a");
  EXPECT_EQ(all[1]->name(), "b");
  EXPECT_EQ(all[2]->name(), "c");
}

TEST(OperationMetricsTest, ProbeMeasuresAndRecords) {
  OperationStats stats("sleep");
  OperationProbe probe(stats, 3);
  std::this_thread::sleep_for(5ms);
  const OperationMetrics m = probe.finish(true);
  EXPECT_GE(m.wall_time, 5ms);
  EXPECT_EQ(m.units, 3u);
  EXPECT_TRUE(m.rss_delta_bytes.has_value());
  EXPECT_EQ(stats.calls(), 1u);
}

TEST(OperationMetricsTest, RssAndCpuReadersReturnLiveFigures) {
  EXPECT_GT(current_rss_bytes(), 0);
  const auto before = thread_cpu_time();
  volatile double x = 0;
  for (int i = 0; i < 20'000'000; ++i)
    x = x + 1.0;
  EXPECT_GT(thread_cpu_time(), before);
}

}  // namespace
}  // namespace opusperf
