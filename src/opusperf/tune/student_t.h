// Student's t-tests: is the difference between two windows of samples (Welch's test, unequal
// variances) or between one window and a reference value (one-sample test) more than noise?
//
// The tuner's controllers decide with these: a candidate setting is kept only when its window beats
// the current one with p below the controller's significance level, so noise alone rarely moves a
// knob. Pure functions, thread-safe. Cost: O(1); the p-value evaluates the regularized incomplete
// beta function by continued fraction (about 1 µs).
#pragma once

#include "opusperf/tune/sample_stats.h"

namespace opusperf {

struct TTestResult {
  // The t statistic: positive when the first sample's mean is larger. ±infinity when both
  // samples have zero variance and different means.
  double t = 0.0;
  // Degrees of freedom (Welch–Satterthwaite for two samples; n - 1 for one).
  double df = 0.0;
  // Two-sided p-value: the probability of a |t| at least this large if the means were equal.
  double p_value = 1.0;
};

// Welch's two-sample t-test of a against b. With fewer than two values in either sample it returns
// t = 0, p = 1 (no evidence). With zero variance in both it returns p = 0 when the means differ and
// p = 1 when they are equal (a deterministic series).
TTestResult welch_t_test(const SampleStats& a, const SampleStats& b);

// One-sample t-test of a's mean against mu. With fewer than two values: t = 0, p = 1. With zero
// variance: p = 0 when the mean differs from mu, else 1.
TTestResult one_sample_t_test(const SampleStats& a, double mu);

// Returns the two-sided p-value P(|T| >= |t|) of Student's t distribution with df > 0 degrees of
// freedom. REQUIRES: df > 0.
double student_t_two_sided_p(double t, double df);

}  // namespace opusperf
