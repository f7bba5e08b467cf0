// Robust trend statistics over a short series of (time, value) points: the Theil–Sen slope, the
// Mann–Kendall trend test and a robust goodness of fit. The leak detector's arithmetic.
//
//   TrendFit f = fit_trend(points);
//   if (f.slope > 0 && f.mk_z > 3 && f.fit > 0.8) ...   // rising, significantly, and line-like
//
// Theil–Sen takes the median of the slopes of all pairs of points, so a few spikes (up to about
// 29% of the points) cannot move it. Mann–Kendall counts rising minus falling pairs (S) and scales
// it by its standard deviation under "no trend": z >= 1.65 is significant at 5% one-sided, z >= 3
// at about 0.1%. The fit is 1 - (median |residual| / median |value - median value|)^2 around the
// Theil–Sen line: near 1 when the line explains the spread, near 0 for noise around a level, and
// like the slope insensitive to isolated spikes.
//
// Pure functions; thread-safe. Cost: O(n^2) in time and memory for n points (the leak detector
// keeps n at about 25).
#pragma once

#include <cstddef>
#include <span>

namespace opusperf {

struct TrendPoint {
  double t = 0;  // time, in any unit (the slope is per that unit)
  double y = 0;
};

struct TrendFit {
  std::size_t n = 0;     // points used
  double slope = 0;      // Theil–Sen: median pairwise slope (y per t)
  double intercept = 0;  // median of y - slope * t
  double mk_z = 0;       // Mann–Kendall z (positive when rising)
  double fit = 0;        // robust R^2 of the Theil–Sen line, 0 .. 1
};

// Returns the fit of `points` (any order). Fewer than 3 points, or all at one time, give a zero
// fit (n is still set).
TrendFit fit_trend(std::span<const TrendPoint> points);

}  // namespace opusperf
