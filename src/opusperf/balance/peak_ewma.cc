#include "opusperf/balance/peak_ewma.h"

#include <cmath>

namespace opusperf {

PeakEwma::PeakEwma(Clock::duration tau) : tau_s_(std::chrono::duration<double>(tau).count()) {}

double PeakEwma::decay_factor(Clock::time_point from, Clock::time_point to) const {
  if (to <= from) return 1.0;
  return std::exp(-std::chrono::duration<double>(to - from).count() / tau_s_);
}

void PeakEwma::observe(double value, Clock::time_point now) {
  // value_ * w is the estimate decayed to now (what value(now) returns); a sample at or above it
  // is a new peak, one below is averaged in with the weight that dt of history carries.
  const double w = has_value_ ? decay_factor(stamp_, now) : 0.0;
  value_ = value >= value_ * w ? value : value_ * w + value * (1.0 - w);
  // A sample that arrives out of order (an older completion reported late) keeps the newer stamp.
  if (!has_value_ || now > stamp_) stamp_ = now;
  has_value_ = true;
}

double PeakEwma::value(Clock::time_point now) const {
  return has_value_ ? value_ * decay_factor(stamp_, now) : 0.0;
}

void PeakEwma::reset(double value, Clock::time_point now) {
  value_ = value;
  stamp_ = now;
  has_value_ = true;
}

void PeakEwma::clear() {
  value_ = 0.0;
  has_value_ = false;
}

}  // namespace opusperf
