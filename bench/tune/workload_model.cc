#include "bench/tune/workload_model.h"

#include <algorithm>
#include <cmath>

namespace opusperf::bench::tune {

std::string_view to_string(WorkloadShape shape) {
  return shape == WorkloadShape::kContention ? "contention" : "plateau";
}

double relative_throughput(WorkloadShape shape, double x, double optimum) {
  if (x <= 0.0) return 0.0;
  if (x <= optimum) return x / optimum;
  if (shape == WorkloadShape::kPlateau) return 1.0;
  return std::max(0.05, 1.0 - 0.2 * (x - optimum) / optimum);
}

double best_fixed_share(WorkloadShape shape, double optimum, double min, double max, double step) {
  // The share is unimodal in x, so the best grid points are the two around the optimum (or a
  // bound).
  const double clamped = std::clamp(optimum, min, max);
  const double k = std::floor((clamped - min) / step + 1e-9);
  double best = 0.0;
  for (double kk : {k - 1, k, k + 1}) {
    const double x = min + kk * step;
    if (x < min - 1e-9 || x > max + 1e-9) continue;
    best = std::max(best, relative_throughput(shape, x, optimum));
  }
  return best;
}

}  // namespace opusperf::bench::tune
