#include "opusperf/tune/student_t.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace opusperf {
namespace {

TEST(StudentTTest, TwoSidedPValuesMatchTables) {
  // Reference values from the t distribution's CDF (R: 2 * pt(-|t|, df)).
  EXPECT_NEAR(student_t_two_sided_p(2.0, 10), 0.07338803, 1e-7);
  EXPECT_NEAR(student_t_two_sided_p(2.228138852, 10), 0.05, 1e-7);
  EXPECT_NEAR(student_t_two_sided_p(1.0, 1), 0.5, 1e-9);
  EXPECT_NEAR(student_t_two_sided_p(-3.5, 4.5), 0.020542, 1e-5);
  EXPECT_NEAR(student_t_two_sided_p(1.959963985, 1e7), 0.05, 1e-5);  // the normal limit
  EXPECT_DOUBLE_EQ(student_t_two_sided_p(0.0, 7), 1.0);
  EXPECT_DOUBLE_EQ(student_t_two_sided_p(INFINITY, 7), 0.0);
}

TEST(StudentTTest, WelchMatchesAWorkedExample) {
  // Two samples with unequal variances. By hand: means 19.37 and 22.51, variances 1.4490 and
  // 21.4721 (n = 10 each), so t = -3.14 / sqrt(0.14490 + 2.14721) = -2.0740 and the
  // Welch-Satterthwaite df = 10.209; p = 2 * pt(-2.0740, 10.209) = 0.06428.
  const std::vector<double> a = {19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0};
  const std::vector<double> b = {28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7};
  const TTestResult r = welch_t_test(SampleStats(a), SampleStats(b));
  EXPECT_NEAR(r.t, -2.0740, 1e-3);
  EXPECT_NEAR(r.df, 10.209, 1e-3);
  EXPECT_NEAR(r.p_value, 0.06428, 1e-4);
}

TEST(StudentTTest, OneSampleAgainstAReference) {
  // mean 10.5, variance 5/3 (n = 4): t = 0.5 / sqrt(5/12) = 0.7746, df 3, p = 0.4950.
  const std::vector<double> a = {9, 10, 11, 12};
  const TTestResult r = one_sample_t_test(SampleStats(a), 10.0);
  EXPECT_NEAR(r.t, 0.7746, 1e-4);
  EXPECT_DOUBLE_EQ(r.df, 3.0);
  EXPECT_NEAR(r.p_value, 0.4950, 1e-4);
}

TEST(StudentTTest, DeterministicSeriesAreDecisive) {
  const std::vector<double> same = {5, 5, 5};
  const std::vector<double> higher = {6, 6, 6};
  EXPECT_DOUBLE_EQ(welch_t_test(SampleStats(higher), SampleStats(same)).p_value, 0.0);
  EXPECT_GT(welch_t_test(SampleStats(higher), SampleStats(same)).t, 0.0);
  EXPECT_DOUBLE_EQ(welch_t_test(SampleStats(same), SampleStats(same)).p_value, 1.0);
  EXPECT_DOUBLE_EQ(one_sample_t_test(SampleStats(same), 5.0).p_value, 1.0);
  EXPECT_DOUBLE_EQ(one_sample_t_test(SampleStats(same), 4.0).p_value, 0.0);
}

TEST(StudentTTest, TooFewValuesGiveNoEvidence) {
  const std::vector<double> one = {1};
  const std::vector<double> many = {1, 2, 3};
  EXPECT_DOUBLE_EQ(welch_t_test(SampleStats(one), SampleStats(many)).p_value, 1.0);
  EXPECT_DOUBLE_EQ(one_sample_t_test(SampleStats(one), 0.0).p_value, 1.0);
}

TEST(SampleStatsTest, WelfordMatchesTheTwoPassFormula) {
  const std::vector<double> v = {1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16};
  const SampleStats s(v);
  EXPECT_EQ(s.n(), 4u);
  EXPECT_DOUBLE_EQ(s.mean(), 1e9 + 10);
  EXPECT_DOUBLE_EQ(s.variance(), 30.0);  // (36 + 9 + 9 + 36) / 3
  EXPECT_DOUBLE_EQ(SampleStats().variance(), 0.0);
}

}  // namespace
}  // namespace opusperf
