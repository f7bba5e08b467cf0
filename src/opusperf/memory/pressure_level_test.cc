#include "opusperf/memory/pressure_level.h"

#include <gtest/gtest.h>

namespace opusperf {
namespace {

using L = PressureLevel;
constexpr std::nullopt_t kNone = std::nullopt;

TEST(PressureLevelTest, UsageShareMapsToLevelsAtTheConfigThresholds) {
  OptimizationConfig config;  // 0.70 / 0.80 / 0.90, PSI 10
  PressureClassifier c(PressureThresholds::from(config));
  EXPECT_EQ(c.update(0.50, kNone, kNone), L::kNormal);
  EXPECT_EQ(c.update(0.70, kNone, kNone), L::kElevated);
  EXPECT_EQ(c.update(0.80, kNone, kNone), L::kHigh);
  EXPECT_EQ(c.update(0.92, kNone, kNone), L::kCritical);
  EXPECT_EQ(to_string(c.level()), "critical");
}

TEST(PressureLevelTest, LevelsAreLeftOnlyBelowThresholdMinusHysteresis) {
  PressureClassifier c(PressureThresholds::from(OptimizationConfig{}));
  EXPECT_EQ(c.update(0.91, kNone, kNone), L::kCritical);
  EXPECT_EQ(c.update(0.87, kNone, kNone), L::kCritical);  // above 0.90 - 0.05
  EXPECT_EQ(c.update(0.91, kNone, kNone), L::kCritical);
  EXPECT_EQ(c.update(0.84, kNone, kNone), L::kHigh);  // below 0.85, above 0.75
  EXPECT_EQ(c.update(0.76, kNone, kNone), L::kHigh);
  EXPECT_EQ(c.update(0.74, kNone, kNone), L::kElevated);
  EXPECT_EQ(c.update(0.66, kNone, kNone), L::kElevated);
  EXPECT_EQ(c.update(0.64, kNone, kNone), L::kNormal);
  // From normal, the entry thresholds apply again.
  EXPECT_EQ(c.update(0.69, kNone, kNone), L::kNormal);
  EXPECT_EQ(c.update(0.79, kNone, kNone), L::kElevated);
}

TEST(PressureLevelTest, ASeriesHoveringAtAThresholdDoesNotFlap) {
  PressureClassifier c(PressureThresholds::from(OptimizationConfig{}));
  ASSERT_EQ(c.update(0.81, kNone, kNone), L::kHigh);
  int changes = 0;
  for (int i = 0; i < 100; ++i)
    changes += c.update(i % 2 ? 0.81 : 0.79, kNone, kNone) != L::kHigh;
  EXPECT_EQ(changes, 0);
}

TEST(PressureLevelTest, PressureStallsRaiseTheLevel) {
  PressureClassifier c(PressureThresholds::from(OptimizationConfig{}));
  EXPECT_EQ(c.update(0.30, 12.0, 0.0), L::kHigh);  // some tasks stalled >= 10%
  EXPECT_EQ(c.update(0.30, 8.0, 0.0), L::kHigh);   // held: above 10 * 0.75
  EXPECT_EQ(c.update(0.30, 7.0, 0.0), L::kNormal);
  EXPECT_EQ(c.update(0.30, 15.0, 11.0), L::kCritical);   // every task stalled >= 10%
  EXPECT_EQ(c.update(kNone, kNone, kNone), L::kNormal);  // nothing known: no pressure
}

TEST(PressureLevelTest, RejectsInconsistentThresholds) {
  PressureThresholds t;
  t.high = 0.6;  // below elevated
  EXPECT_THROW(PressureClassifier{t}, std::invalid_argument);
  t = {};
  t.psi = 0;
  EXPECT_THROW(PressureClassifier{t}, std::invalid_argument);
  t = {};
  t.share_hysteresis = 0.8;
  EXPECT_THROW(PressureClassifier{t}, std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
