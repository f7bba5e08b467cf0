// SampleStats: the running count, mean and variance of a series of numbers (Welford's method), the
// input of the tuner's significance tests.
//
//   SampleStats s;
//   for (double x : window) s.add(x);
//   s.mean(); s.variance();   // sample variance (n - 1 in the denominator)
//
// Numerically stable for long series (no sum of squares). A value type: not thread-safe; copy it
// to share. Cost: O(1) per add.
#pragma once

#include <cmath>
#include <cstddef>
#include <span>

namespace opusperf {

class SampleStats {
 public:
  SampleStats() = default;
  explicit SampleStats(std::span<const double> values) {
    for (double v : values)
      add(v);
  }

  void add(double x) {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }

  // Returns how many values were added.
  std::size_t n() const { return n_; }
  // Returns their mean; 0 when none was added.
  double mean() const { return mean_; }
  // Returns the sample variance (n - 1 denominator); 0 with fewer than two values.
  double variance() const { return n_ > 1 ? m2_ / static_cast<double>(n_ - 1) : 0.0; }
  // Returns the sample standard deviation.
  double stddev() const { return std::sqrt(variance()); }

 private:
  std::size_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;  // sum of squared deviations from the running mean
};

}  // namespace opusperf
