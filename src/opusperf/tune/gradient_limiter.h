// GradientLimiter: an adaptive concurrency limit driven by latency, after Envoy's adaptive
// concurrency filter and Netflix's Gradient2 limiter. The knob is the number of requests allowed
// in flight; requests beyond it are rejected or queued by the service, so at overload the server
// runs at the concurrency it handles best instead of drowning in work.
//
// The law. It measures the minimum round-trip time (the latency without queueing) by holding the
// limit at min_concurrency for min_rtt_windows windows, at start and every min_rtt_every_windows
// windows after. Each other window it compares the window's latency (the completion-weighted mean
// of its samples) with that minimum:
//     gradient = clamp((1 + tolerance) * min_rtt / rtt, min_gradient, max_gradient)
//     limit    = limit * gradient    (at least one step up when gradient > 1)
// so the limit grows while latency stays within the tolerance and shrinks in proportion once
// requests start to queue; it settles where latency is about (1 + tolerance) x min RTT. At start
// it doubles the limit each window (slow start) until a window's latency is significantly above
// (1 + tolerance) x min RTT: Welch's t-test of the window's per-sample latencies against the
// measurement's, scaled by 1 + tolerance, at slow_start_significance. Testing, rather than
// comparing two means, keeps a noisy minimum-RTT estimate from ending slow start at a tenth of
// the capacity; and each slow-start window that is not measurably queued joins the estimate. When
// the service uses less than app_limited_share of the limit (samples report concurrency), the limit
// does not grow: low load says nothing about capacity.
//
// The knob's own rate limit applies: with max_factor_per_move = 2 the re-measurement reaches half
// the current limit, which still measures the unqueued latency as long as the limit is under twice
// the best concurrency. Thread-safety: none (Controller). Cost: O(samples) per evaluation.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "opusperf/tune/controller.h"

namespace opusperf {

struct GradientLimiterOptions {
  // Share by which latency may exceed the minimum RTT before the limit shrinks. > 0. Larger keeps
  // more requests in flight (more throughput headroom, more queueing).
  double tolerance = 0.10;
  // Limit while the minimum RTT is measured (raised to what the knob allows). >= 1.
  double min_concurrency = 3.0;
  // Windows measured for each minimum-RTT estimate. >= 1.
  int min_rtt_windows = 2;
  // Windows between minimum-RTT measurements (in the simulator, 60 x 500 ms = 30 s). >= 1.
  int min_rtt_every_windows = 60;
  // Bounds of the gradient, so one noisy window moves the limit by at most this factor.
  double min_gradient = 0.5;  // (0, 1]
  double max_gradient = 2.0;  // >= 1
  // The limit does not grow while mean in-flight work is under this share of it. [0, 1].
  double app_limited_share = 0.5;
  // p-value at which latency counts as above the tolerance in slow start. (0, 0.5).
  double slow_start_significance = 0.05;
};

class GradientLimiter final : public Controller {
 public:
  // REQUIRES: options as documented (throws std::invalid_argument naming the field).
  explicit GradientLimiter(GradientLimiterOptions options = {});

  std::string_view name() const override { return "gradient"; }
  std::vector<ControlDecision> evaluate(const Knob& knob,
                                        std::span<const PerformanceSample> samples) override;
  void reset() override { started_ = false; }
  std::string describe() const override;
  bool settled() const override;
  std::optional<double> best_value() const override;

  // Returns the current minimum-RTT estimate; 0 before the first measurement.
  std::chrono::nanoseconds min_rtt() const { return min_rtt_; }

 private:
  enum class Phase { kMeasuring, kLimiting };

  void begin_measurement(const Knob& knob, std::vector<ControlDecision>& out);
  void finish_measurement(const Knob& knob, std::vector<ControlDecision>& out);
  // Adds samples measured without queueing to the minimum-RTT estimate (the last 50 are kept).
  void add_min_rtt_samples(std::span<const PerformanceSample> samples);
  void adjust(const Knob& knob, std::span<const PerformanceSample> samples,
              std::vector<ControlDecision>& out);

  const GradientLimiterOptions options_;

  bool started_ = false;
  Phase phase_ = Phase::kMeasuring;
  double limit_ = 0.0;        // the law's limit (continuous); the knob holds it on its grid
  double asked_ = 0.0;        // the knob value last asked for
  double restore_ = 0.0;      // limit to return to after a measurement
  double measured_at_ = 0.0;  // the concurrency the minimum RTT was measured at
  std::vector<PerformanceSample> measured_;  // samples of the measurement so far
  int measured_windows_ = 0;
  int windows_since_measurement_ = 0;
  std::chrono::nanoseconds min_rtt_{0};
  std::vector<PerformanceSample> min_rtt_samples_;  // the samples of the last measurement
  bool slow_start_ = false;
  double last_ratio_ = 0.0;  // rtt / min_rtt of the last window
  int quiet_windows_ = 0;    // windows in a row that moved the limit by under 5%
};

}  // namespace opusperf
