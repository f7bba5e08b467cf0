#include "opusperf/memory/leak_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>

namespace opusperf {
namespace {

using std::chrono::seconds;
constexpr double kMiB = 1 << 20;

// Feeds `series` once a simulated second for `duration_s` seconds, value f(t) with t counted from
// the start of the call; returns the seconds after which the series was first flagged.
template <class F>
std::optional<double> feed(ManualClock& clock, LeakDetector& d, const std::string& series,
                           int duration_s, F f) {
  std::optional<double> flagged_after;
  for (int t = 0; t < duration_s; ++t) {
    if (d.observe(series, f(t)) && !flagged_after) flagged_after = t;
    clock.advance(seconds(1));
  }
  return flagged_after;
}

TEST(LeakDetectorTest, SteadyLeakIsFlaggedAfterAboutOneSpanWithItsRate) {
  ManualClock clock;
  LeakDetector d(clock);
  feed(clock, d, "frames", 60, [](int) { return 50 * kMiB; });  // flat history first
  const auto after = feed(clock, d, "frames", 120, [](int t) { return 50 * kMiB + t * kMiB; });
  ASSERT_TRUE(after.has_value());
  EXPECT_GE(*after, 16);  // it needs most of the 24 s span to be growth ...
  EXPECT_LE(*after, 26);  // ... and no more than the span and a bucket
  const auto active = d.active();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active[0].series, "frames");
  EXPECT_NEAR(active[0].rate_bytes_per_s, kMiB, 0.01 * kMiB);
  EXPECT_GT(active[0].fit, 0.95);
  EXPECT_EQ(active[0].span, seconds(24));
  EXPECT_TRUE(d.is_leaking("frames"));
}

TEST(LeakDetectorTest, NoiseAroundALevelIsNotALeak) {
  ManualClock clock;
  LeakDetector d(clock);
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> noise(-0.05, 0.05);
  EXPECT_FALSE(feed(clock, d, "rss", 1200, [&](int) { return 500 * kMiB * (1 + noise(rng)); }));
  EXPECT_TRUE(d.findings().empty());
}

TEST(LeakDetectorTest, AOneOffStepIsNotALeak) {
  ManualClock clock;
  LeakDetector d(clock);
  const auto after =
      feed(clock, d, "model", 600, [](int t) { return t < 200 ? 10 * kMiB : 900 * kMiB; });
  EXPECT_FALSE(after.has_value());
}

TEST(LeakDetectorTest, RampShorterThanTheSpanThenFreeIsNotALeak) {
  ManualClock clock;
  LeakDetector d(clock);
  // Allocate 4 MiB/s for 15 s, free it all, repeat.
  const auto after =
      feed(clock, d, "batch", 900, [](int t) { return 100 * kMiB + (t % 16) * 4 * kMiB; });
  EXPECT_FALSE(after.has_value());
}

TEST(LeakDetectorTest, SlowLeakInNoiseIsCaughtAtALongerScale) {
  ManualClock clock;
  LeakDetector d(clock);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> noise(-4 * kMiB, 4 * kMiB);
  // 256 KiB/s under +-4 MiB of noise: hopeless in 24 s, clear over 96 s or 384 s.
  const auto after =
      feed(clock, d, "rss", 900, [&](int t) { return 400 * kMiB + t * 256 * 1024.0 + noise(rng); });
  ASSERT_TRUE(after.has_value());
  const auto f = d.active().at(0);
  EXPECT_GE(f.span, seconds(96));
  EXPECT_NEAR(f.rate_bytes_per_s, 256 * 1024.0, 64 * 1024.0);
}

TEST(LeakDetectorTest, GrowthBelowTheMinimumRateIsNotALeak) {
  ManualClock clock;
  LeakDetector d(clock);
  EXPECT_FALSE(feed(clock, d, "slow", 900, [](int t) { return 1e6 + t * 1000.0; }));
}

TEST(LeakDetectorTest, FindingResolvesWhenGrowthStops) {
  ManualClock clock;
  LeakDetector d(clock);
  ASSERT_TRUE(feed(clock, d, "cache", 60, [](int t) { return t * 2 * kMiB; }));
  feed(clock, d, "cache", 60, [](int) { return 120 * kMiB; });
  EXPECT_FALSE(d.is_leaking("cache"));
  const auto all = d.findings();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].resolved_at.has_value());
  EXPECT_TRUE(d.active().empty());
}

TEST(LeakDetectorTest, SeriesAreIndependent) {
  ManualClock clock;
  LeakDetector d(clock);
  for (int t = 0; t < 60; ++t) {
    d.observe("leaky", t * kMiB);
    d.observe("flat", 7 * kMiB);
    clock.advance(seconds(1));
  }
  EXPECT_TRUE(d.is_leaking("leaky"));
  EXPECT_FALSE(d.is_leaking("flat"));
  EXPECT_FALSE(d.is_leaking("unknown"));
}

TEST(LeakDetectorTest, RejectsBadOptions) {
  ManualClock clock;
  const auto with = [](auto change) {
    LeakDetectorOptions o;
    change(o);
    return o;
  };
  EXPECT_THROW(LeakDetector(clock, with([](auto& o) { o.windows = 1; })), std::invalid_argument);
  EXPECT_THROW(LeakDetector(clock, with([](auto& o) { o.scales = 0; })), std::invalid_argument);
  EXPECT_THROW(LeakDetector(clock, with([](auto& o) { o.resolution = seconds(5); })),
               std::invalid_argument);
  EXPECT_THROW(
      LeakDetector(clock, with([](auto& o) { o.window = std::chrono::milliseconds(8500); })),
      std::invalid_argument);
  EXPECT_THROW(LeakDetector(clock, with([](auto& o) { o.min_rate_bytes_per_s = 0; })),
               std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
