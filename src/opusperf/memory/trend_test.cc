#include "opusperf/memory/trend.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace opusperf {
namespace {

std::vector<TrendPoint> line(int n, double slope, double intercept) {
  std::vector<TrendPoint> p;
  for (int i = 0; i < n; ++i)
    p.push_back({static_cast<double>(i), intercept + slope * i});
  return p;
}

TEST(TrendTest, ExactLineHasItsSlopeAndPerfectFit) {
  const TrendFit f = fit_trend(line(20, 3.0, 100));
  EXPECT_EQ(f.n, 20u);
  EXPECT_DOUBLE_EQ(f.slope, 3.0);
  EXPECT_DOUBLE_EQ(f.intercept, 100.0);
  EXPECT_DOUBLE_EQ(f.fit, 1.0);
  // S = 190 rising pairs of 190; z = (190 - 1) / sqrt(20 * 19 * 45 / 18).
  EXPECT_NEAR(f.mk_z, 189 / std::sqrt(20.0 * 19 * 45 / 18), 1e-9);
}

TEST(TrendTest, SpikesMoveNeitherSlopeNorFit) {
  std::vector<TrendPoint> p = line(24, 2.0, 0);
  p[5].y += 1000;  // a few large outliers
  p[11].y -= 800;
  p[17].y += 5000;
  const TrendFit f = fit_trend(p);
  EXPECT_DOUBLE_EQ(f.slope, 2.0);
  EXPECT_GT(f.fit, 0.95);
  EXPECT_GT(f.mk_z, 4);
}

TEST(TrendTest, NoiseAroundALevelHasNoTrendAndPoorFit) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> noise(-50, 50);
  std::vector<TrendPoint> p;
  for (int i = 0; i < 24; ++i)
    p.push_back({static_cast<double>(i), 1000 + noise(rng)});
  const TrendFit f = fit_trend(p);
  EXPECT_LT(std::abs(f.mk_z), 2.0);
  EXPECT_LT(f.fit, 0.5);
}

TEST(TrendTest, FallingSeriesHasNegativeSlopeAndZ) {
  const TrendFit f = fit_trend(line(10, -1.5, 50));
  EXPECT_DOUBLE_EQ(f.slope, -1.5);
  EXPECT_LT(f.mk_z, -3);
}

TEST(TrendTest, DegenerateInputsGiveZeroFit) {
  EXPECT_EQ(fit_trend({}).n, 0u);
  const std::vector<TrendPoint> two = {{0, 1}, {1, 2}};
  EXPECT_EQ(fit_trend(two).slope, 0.0);
  const std::vector<TrendPoint> same_time = {{1, 1}, {1, 2}, {1, 3}};
  EXPECT_EQ(fit_trend(same_time).slope, 0.0);
  const TrendFit flat = fit_trend(line(10, 0, 5));
  EXPECT_EQ(flat.slope, 0.0);
  EXPECT_EQ(flat.fit, 0.0);
  EXPECT_EQ(flat.mk_z, 0.0);
}

}  // namespace
}  // namespace opusperf
