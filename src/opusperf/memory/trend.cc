#include "opusperf/memory/trend.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace opusperf {
namespace {

// Returns the median of v (reorders it). REQUIRES: !v.empty().
double median(std::vector<double>& v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

// Mann–Kendall z for the points in time order (ties in value count as neither).
double mann_kendall_z(std::span<const TrendPoint> p) {
  std::vector<TrendPoint> sorted(p.begin(), p.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const TrendPoint& a, const TrendPoint& b) { return a.t < b.t; });
  const auto n = static_cast<double>(sorted.size());
  double s = 0;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    for (std::size_t j = i + 1; j < sorted.size(); ++j) {
      if (sorted[j].t == sorted[i].t) continue;
      s += (sorted[j].y > sorted[i].y) - (sorted[j].y < sorted[i].y);
    }
  }
  const double sd = std::sqrt(n * (n - 1) * (2 * n + 5) / 18.0);
  if (s > 0) return (s - 1) / sd;  // continuity correction
  if (s < 0) return (s + 1) / sd;
  return 0;
}

}  // namespace

TrendFit fit_trend(std::span<const TrendPoint> points) {
  TrendFit f;
  f.n = points.size();
  if (points.size() < 3) return f;
  std::vector<double> slopes;
  slopes.reserve(points.size() * (points.size() - 1) / 2);
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (std::size_t j = i + 1; j < points.size(); ++j) {
      const double dt = points[j].t - points[i].t;
      if (dt != 0) slopes.push_back((points[j].y - points[i].y) / dt);
    }
  }
  if (slopes.empty()) return f;
  f.slope = median(slopes);

  std::vector<double> v;
  v.reserve(points.size());
  for (const TrendPoint& p : points)
    v.push_back(p.y - f.slope * p.t);
  f.intercept = median(v);

  std::vector<double> residuals;
  residuals.reserve(points.size());
  for (const TrendPoint& p : points)
    residuals.push_back(std::abs(p.y - (f.intercept + f.slope * p.t)));
  for (std::size_t i = 0; i < points.size(); ++i)
    v[i] = points[i].y;
  const double level = median(v);
  for (std::size_t i = 0; i < points.size(); ++i)
    v[i] = std::abs(points[i].y - level);
  const double spread = median(v);
  const double residual = median(residuals);
  if (spread > 0) f.fit = std::clamp(1 - (residual / spread) * (residual / spread), 0.0, 1.0);
  f.mk_z = mann_kendall_z(points);
  return f;
}

}  // namespace opusperf
