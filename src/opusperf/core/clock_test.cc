#include "opusperf/core/clock.h"

#include <gtest/gtest.h>

namespace opusperf {
namespace {

using namespace std::chrono_literals;

TEST(ClockTest, ManualClockMovesOnlyWhenAdvanced) {
  ManualClock clock;
  const auto t0 = clock.now();
  EXPECT_EQ(clock.now(), t0);
  clock.advance(250ms);
  EXPECT_EQ(clock.now() - t0, 250ms);
}

TEST(ClockTest, SteadyClockNeverGoesBackwards) {
  const Clock& clock = SteadyClock::instance();
  auto prev = clock.now();
  for (int i = 0; i < 1000; ++i) {
    const auto now = clock.now();
    EXPECT_GE(now, prev);
    prev = now;
  }
}

}  // namespace
}  // namespace opusperf
