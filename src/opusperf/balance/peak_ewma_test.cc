#include "opusperf/balance/peak_ewma.h"

#include <gtest/gtest.h>

#include <cmath>

namespace opusperf {
namespace {

using namespace std::chrono_literals;

const Clock::time_point t0 = Clock::time_point(100s);

TEST(PeakEwmaTest, UnknownUntilTheFirstSample) {
  PeakEwma e(10s);
  EXPECT_FALSE(e.has_value());
  EXPECT_EQ(e.value(t0), 0.0);
  e.observe(0.5, t0);
  EXPECT_TRUE(e.has_value());
  EXPECT_DOUBLE_EQ(e.value(t0), 0.5);
}

TEST(PeakEwmaTest, APeakCountsAtOnce) {
  PeakEwma e(10s);
  e.observe(0.1, t0);
  e.observe(2.0, t0 + 1ms);
  EXPECT_DOUBLE_EQ(e.value(t0 + 1ms), 2.0);
}

TEST(PeakEwmaTest, ALowerSampleIsAveragedInByElapsedTime) {
  PeakEwma e(10s);
  e.observe(1.0, t0);
  e.observe(0.0, t0 + 10s);  // one tau later: weight exp(-1) on the history
  EXPECT_NEAR(e.value(t0 + 10s), std::exp(-1.0), 1e-12);
  e.observe(0.2, t0 + 10s);  // no time passed: the history keeps all its weight
  EXPECT_NEAR(e.value(t0 + 10s), std::exp(-1.0), 1e-12);
}

TEST(PeakEwmaTest, DecaysTowardZeroWhileIdle) {
  PeakEwma e(10s);
  e.observe(4.0, t0);
  EXPECT_NEAR(e.value(t0 + 20s), 4.0 * std::exp(-2.0), 1e-12);
  EXPECT_DOUBLE_EQ(e.value(t0 - 1s), 4.0);  // a time before the sample does not grow it
}

TEST(PeakEwmaTest, ResetAndClear) {
  PeakEwma e(10s);
  e.observe(9.0, t0);
  e.reset(1.0, t0 + 1s);
  EXPECT_DOUBLE_EQ(e.value(t0 + 1s), 1.0);
  e.clear();
  EXPECT_FALSE(e.has_value());
  EXPECT_EQ(e.value(t0 + 1s), 0.0);
}

}  // namespace
}  // namespace opusperf
