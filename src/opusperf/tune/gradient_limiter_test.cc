#include "opusperf/tune/gradient_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "opusperf/tune/test_workload.h"

namespace opusperf {
namespace {

using std::chrono::nanoseconds;
using testing_util::drive;
using testing_util::pattern_noise;
using testing_util::Workload;

// A server with `capacity` slots at 2x overload: requests beyond the capacity queue, so latency
// is 10 ms up to it and grows in proportion beyond (Little's law), with 2% deterministic noise.
Workload overloaded_server(double capacity, double offered = 1e9) {
  return [=](double limit, std::uint64_t i) {
    const double in_flight = std::min(limit, offered);
    const double slow = std::max(1.0, in_flight / capacity);
    PerformanceSample s;
    s.latency = nanoseconds(static_cast<std::int64_t>(10e6 * slow * (1 + 0.02 * pattern_noise(i))));
    s.throughput = in_flight / (static_cast<double>(s.latency.count()) / 1e9);
    s.concurrency = in_flight;
    return s;
  };
}

KnobSpec limit_knob(double initial) {
  return {.name = "limit", .min = 1, .max = 256, .step = 1, .initial = initial};
}

TEST(GradientLimiterTest, MeasuresTheMinimumRttThenSettlesJustAboveCapacity) {
  GradientLimiter limiter;
  Knob knob(limit_knob(1));
  const auto r = drive(limiter, knob, overloaded_server(20), 60);
  ASSERT_FALSE(r.decisions.empty());
  EXPECT_EQ(r.decisions[0].action, TuneAction::kMeasure);
  EXPECT_NEAR(static_cast<double>(limiter.min_rtt().count()), 10e6, 0.3e6);
  // Settles where latency is about 1.1x the minimum: 20..24 slots in flight.
  const auto [lo, hi] = std::minmax_element(r.values.begin() + 30, r.values.end());
  EXPECT_GE(*lo, 19);
  EXPECT_LE(*hi, 25);
  EXPECT_TRUE(limiter.settled()) << limiter.describe();
}

TEST(GradientLimiterTest, ShrinksInProportionWhenLatencyRises) {
  GradientLimiter limiter;
  Knob knob(limit_knob(1));
  drive(limiter, knob, overloaded_server(40), 30);
  ASSERT_GE(knob.value(), 39);
  // Capacity halves: latency at the old limit doubles; the limit follows within a few windows.
  const auto r = drive(limiter, knob, overloaded_server(20), 10, 5, 1000);
  EXPECT_LE(r.values.back(), 25);
  EXPECT_GE(r.values.back(), 19);
  bool shrank = false;
  for (const ControlDecision& d : r.decisions)
    shrank = shrank || (d.action == TuneAction::kMove && d.to < d.from);
  EXPECT_TRUE(shrank);
}

TEST(GradientLimiterTest, DoesNotGrowWhileTheServiceIsAppLimited) {
  GradientLimiter limiter;
  Knob knob(limit_knob(1));
  // Only 6 requests ever in flight: latency never rises, but the limit must not run to 256.
  const auto r = drive(limiter, knob, overloaded_server(20, /*offered=*/6), 40);
  EXPECT_LE(*std::max_element(r.values.begin(), r.values.end()), 16);
}

TEST(GradientLimiterTest, RemeasuresTheMinimumRttPeriodically) {
  GradientLimiter limiter({.min_rtt_every_windows = 10});
  Knob knob(limit_knob(1));
  const auto r = drive(limiter, knob, overloaded_server(20), 40);
  const auto measures = std::count_if(r.decisions.begin(), r.decisions.end(), [](const auto& d) {
    return d.action == TuneAction::kMeasure && d.to < d.from;
  });
  EXPECT_GE(measures, 3);
}

TEST(GradientLimiterTest, RejectsBadOptions) {
  EXPECT_THROW(GradientLimiter({.tolerance = 0}), std::invalid_argument);
  EXPECT_THROW(GradientLimiter({.min_concurrency = 0}), std::invalid_argument);
  EXPECT_THROW(GradientLimiter({.min_gradient = 1.5}), std::invalid_argument);
  EXPECT_THROW(GradientLimiter({.max_gradient = 0.5}), std::invalid_argument);
  EXPECT_THROW(GradientLimiter({.app_limited_share = 2}), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
