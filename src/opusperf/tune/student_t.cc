#include "opusperf/tune/student_t.h"

#include <cmath>
#include <limits>

namespace opusperf {
namespace {

// Continued fraction for the regularized incomplete beta function (modified Lentz's method).
double beta_continued_fraction(double a, double b, double x) {
  constexpr int kMaxIterations = 300;
  constexpr double kEpsilon = 1e-15;
  constexpr double kTiny = 1e-300;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= kMaxIterations; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1.0) < kEpsilon) break;
  }
  return h;
}

// Regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1.
double regularized_incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry
  // I_x(a, b) = 1 - I_{1-x}(b, a) on the other side.
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

TTestResult zero_variance_result(double difference, double df) {
  if (difference == 0.0) return {0.0, df, 1.0};
  return {std::copysign(std::numeric_limits<double>::infinity(), difference), df, 0.0};
}

}  // namespace

double student_t_two_sided_p(double t, double df) {
  if (std::isnan(t)) return 1.0;
  if (std::isinf(t)) return 0.0;
  return regularized_incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
}

TTestResult welch_t_test(const SampleStats& a, const SampleStats& b) {
  if (a.n() < 2 || b.n() < 2) return {};
  const double va = a.variance() / static_cast<double>(a.n());
  const double vb = b.variance() / static_cast<double>(b.n());
  const double se2 = va + vb;
  const double difference = a.mean() - b.mean();
  if (se2 <= 0.0) return zero_variance_result(difference, static_cast<double>(a.n() + b.n() - 2));
  const double df =
      se2 * se2 /
      (va * va / static_cast<double>(a.n() - 1) + vb * vb / static_cast<double>(b.n() - 1));
  const double t = difference / std::sqrt(se2);
  return {t, df, student_t_two_sided_p(t, df)};
}

TTestResult one_sample_t_test(const SampleStats& a, double mu) {
  if (a.n() < 2) return {};
  const double df = static_cast<double>(a.n() - 1);
  const double se2 = a.variance() / static_cast<double>(a.n());
  const double difference = a.mean() - mu;
  if (se2 <= 0.0) return zero_variance_result(difference, df);
  const double t = difference / std::sqrt(se2);
  return {t, df, student_t_two_sided_p(t, df)};
}

}  // namespace opusperf
