// PeakEwma: a latency estimate that jumps to a new peak at once and forgets it smoothly, as
// Finagle's and Linkerd's peak-EWMA balancers keep one per endpoint.
//
//   PeakEwma rtt(std::chrono::seconds(10));
//   rtt.observe(0.120, now);             // seconds
//   double cost = rtt.value(later);      // decayed toward zero by exp(-(later - now) / tau)
//
// A sample above the current value replaces it (a worker that just got slow is treated as slow
// now); a lower sample moves the value toward it with weight 1 - exp(-dt / tau), dt being the time
// since the previous sample, so the estimate averages over about tau of history whatever the
// request rate. Reading decays the value toward zero with the time since the last sample: a worker
// that has had no traffic for a while looks cheap and gets tried again, which is how a balancer
// notices that a slow worker has recovered.
//
// Thread-safety: none (a LoadBalancer keeps one per worker under its lock). Cost: one exp().
#pragma once

#include <chrono>

#include "opusperf/core/clock.h"

namespace opusperf {

class PeakEwma {
 public:
  // REQUIRES: tau > 0.
  explicit PeakEwma(Clock::duration tau);

  // Adds one sample (any unit; the balancer uses seconds). REQUIRES: value >= 0.
  void observe(double value, Clock::time_point now);
  // Returns the estimate decayed to `now`; 0 before the first sample.
  double value(Clock::time_point now) const;
  // Returns whether any sample has been observed since construction or the last reset().
  bool has_value() const { return has_value_; }
  // Forgets the history and starts from `value` at `now` (has_value() becomes true).
  void reset(double value, Clock::time_point now);
  // Forgets the history entirely (has_value() becomes false).
  void clear();

 private:
  double decay_factor(Clock::time_point from, Clock::time_point to) const;

  double tau_s_;
  double value_ = 0.0;
  Clock::time_point stamp_{};
  bool has_value_ = false;
};

}  // namespace opusperf
