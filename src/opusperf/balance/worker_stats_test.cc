#include "opusperf/balance/worker_stats.h"

#include <gtest/gtest.h>

namespace opusperf {
namespace {

using namespace std::chrono_literals;

const Clock::time_point t0 = Clock::time_point(100s);

TEST(WorkerStatsTest, LoadCountsTrackedAndReportedRequests) {
  WorkerStats w("w", 2.0, 10s);
  EXPECT_EQ(w.name(), "w");
  EXPECT_EQ(w.weight(), 2.0);
  w.on_dispatch(t0, /*tracked=*/true);
  w.on_dispatch(t0, /*tracked=*/true);
  w.on_dispatch(t0, /*tracked=*/false);
  EXPECT_EQ(w.in_flight(), 2u);
  EXPECT_EQ(w.requests(), 3u);
  w.on_report(t0 + 1s, /*load=*/5, 0.2, /*ok=*/true, 0.0);
  EXPECT_EQ(w.load(), 7u);
  w.on_cancel(t0 + 1s);
  EXPECT_EQ(w.load(), 6u);
}

TEST(WorkerStatsTest, ServiceTimeIsBusyTimePerCompletionNotLatency) {
  WorkerStats w("w", 1.0, 10s);
  // Three requests arrive at once on a worker serving one at a time, 2 s each: latencies 2, 4,
  // 6 s, but each took 2 s of the worker's time.
  for (int i = 0; i < 3; ++i)
    w.on_dispatch(t0, true);
  w.on_finish(t0 + 2s, 2.0, true, 0.0, /*smoothing=*/0.5);
  EXPECT_DOUBLE_EQ(w.service_time(), 2.0);
  w.on_finish(t0 + 4s, 4.0, true, 0.0, 0.5);
  w.on_finish(t0 + 6s, 6.0, true, 0.0, 0.5);
  EXPECT_DOUBLE_EQ(w.service_time(), 2.0);
  // Idle time does not count: a request sent 10 s later that takes 1 s.
  w.on_dispatch(t0 + 16s, true);
  w.on_finish(t0 + 17s, 1.0, true, 0.0, 0.5);
  EXPECT_DOUBLE_EQ(w.service_time(), 1.5);  // EWMA with weight 0.5
}

TEST(WorkerStatsTest, AnErrorIsPenalisedAndDoesNotLookFast) {
  WorkerStats w("w", 1.0, 10s);
  w.on_dispatch(t0, true);
  w.on_finish(t0 + 1s, 1.0, true, 0.0, 0.1);
  w.on_dispatch(t0 + 2s, true);
  w.on_finish(t0 + 2s + 1ms, 0.001, /*ok=*/false, /*penalty_s=*/10.0, 0.1);
  EXPECT_EQ(w.errors(), 1u);
  EXPECT_DOUBLE_EQ(w.latency(t0 + 2s + 1ms), 10.0);  // the penalty, a new peak
  EXPECT_DOUBLE_EQ(w.service_time(), 1.0);           // the 1 ms failure did not feed it
}

TEST(WorkerStatsTest, ResetForgetsEstimates) {
  WorkerStats w("w", 1.0, 10s);
  w.on_dispatch(t0, true);
  w.on_finish(t0 + 3s, 3.0, true, 0.0, 0.1);
  w.reset_estimates(0.5, t0 + 4s);
  EXPECT_DOUBLE_EQ(w.latency(t0 + 4s), 0.5);
  EXPECT_EQ(w.service_time(), 0.0);
  w.reset_estimates(0.0, t0 + 4s);
  EXPECT_FALSE(w.has_latency());
}

}  // namespace
}  // namespace opusperf
