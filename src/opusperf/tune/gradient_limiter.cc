#include "opusperf/tune/gradient_limiter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "opusperf/tune/sample_stats.h"
#include "opusperf/tune/student_t.h"

namespace opusperf {
namespace {

const GradientLimiterOptions& validated(const GradientLimiterOptions& o) {
  const auto fail = [](const char* field, const char* rule) {
    throw std::invalid_argument(fmt::format("GradientLimiterOptions.{}: {}", field, rule));
  };
  if (!(o.tolerance > 0.0) || !std::isfinite(o.tolerance)) fail("tolerance", "must be > 0");
  if (!(o.min_concurrency >= 1.0)) fail("min_concurrency", "must be >= 1");
  if (o.min_rtt_windows < 1) fail("min_rtt_windows", "must be >= 1");
  if (o.min_rtt_every_windows < 1) fail("min_rtt_every_windows", "must be >= 1");
  if (!(o.min_gradient > 0.0 && o.min_gradient <= 1.0)) fail("min_gradient", "must be in (0, 1]");
  if (!(o.max_gradient >= 1.0) || !std::isfinite(o.max_gradient))
    fail("max_gradient", "must be >= 1");
  if (!(o.app_limited_share >= 0.0 && o.app_limited_share <= 1.0)) {
    fail("app_limited_share", "must be in [0, 1]");
  }
  if (!(o.slow_start_significance > 0.0 && o.slow_start_significance < 0.5)) {
    fail("slow_start_significance", "must be in (0, 0.5)");
  }
  return o;
}

// Samples kept for the minimum-RTT estimate when uncongested windows extend a measurement.
constexpr std::size_t kMinRttSamplesKept = 50;

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Returns the statistics of the samples' latencies (ns) times `scale`, over samples that measured
// one.
template <class Samples>
SampleStats latency_stats(const Samples& samples, double scale) {
  SampleStats s;
  for (const PerformanceSample& p : samples) {
    if (p.latency.count() > 0) s.add(scale * static_cast<double>(p.latency.count()));
  }
  return s;
}

}  // namespace

GradientLimiter::GradientLimiter(GradientLimiterOptions options) : options_(validated(options)) {}

std::vector<ControlDecision> GradientLimiter::evaluate(const Knob& knob,
                                                       std::span<const PerformanceSample> samples) {
  std::vector<ControlDecision> out;
  if (samples.empty()) return out;
  if (!started_ || knob.value() != asked_) {
    // First window, or someone else moved the knob: start over from where it is.
    started_ = true;
    limit_ = knob.value();
    asked_ = knob.value();
    min_rtt_ = std::chrono::nanoseconds(0);
    slow_start_ = false;
    quiet_windows_ = 0;
    begin_measurement(knob, out);
    // A window taken at the old setting measures nothing, unless the knob did not have to move.
    if (asked_ != knob.value()) return out;
  }
  if (phase_ == Phase::kMeasuring) {
    measured_.insert(measured_.end(), samples.begin(), samples.end());
    if (++measured_windows_ >= options_.min_rtt_windows) finish_measurement(knob, out);
    return out;
  }
  if (++windows_since_measurement_ >= options_.min_rtt_every_windows) {
    begin_measurement(knob, out);
    return out;
  }
  adjust(knob, samples, out);
  return out;
}

void GradientLimiter::begin_measurement(const Knob& knob, std::vector<ControlDecision>& out) {
  phase_ = Phase::kMeasuring;
  measured_.clear();
  measured_windows_ = 0;
  restore_ = limit_;
  const double to = knob.admissible_from(asked_, std::max(knob.min(), options_.min_concurrency));
  out.push_back({TuneAction::kMeasure, asked_, to,
                 fmt::format("measuring the minimum RTT at concurrency {:g} for {} window(s)", to,
                             options_.min_rtt_windows),
                 0.0});
  asked_ = to;
  measured_at_ = to;
}

void GradientLimiter::finish_measurement(const Knob& knob, std::vector<ControlDecision>& out) {
  const WindowSummary w = summarize(measured_);
  phase_ = Phase::kLimiting;
  windows_since_measurement_ = 0;
  if (w.latency.count() <= 0) {
    // Nothing completed with a latency: measure again next window rather than guess.
    begin_measurement(knob, out);
    return;
  }
  const bool first = min_rtt_.count() == 0;
  min_rtt_samples_.clear();
  add_min_rtt_samples(measured_);
  // Never come back below the measured setting. At start that is where slow start begins, and the
  // measurement was its first uncongested window: double at once.
  limit_ = std::max(restore_, asked_);
  if (first) {
    slow_start_ = true;
    limit_ = std::min(knob.max(), limit_ * 2.0);
  }
  const double to = knob.admissible_from(asked_, limit_);
  out.push_back(
      {to != asked_ ? TuneAction::kMove : TuneAction::kMeasure, asked_, to,
       fmt::format("minimum RTT {:.3f} ms over {} samples at concurrency {:g}; limit {:g}{}",
                   ms(min_rtt_), measured_.size(), asked_, to, first ? ", slow start" : ""),
       1.0});
  asked_ = to;
  measured_.clear();
}

void GradientLimiter::add_min_rtt_samples(std::span<const PerformanceSample> samples) {
  min_rtt_samples_.insert(min_rtt_samples_.end(), samples.begin(), samples.end());
  if (min_rtt_samples_.size() > kMinRttSamplesKept) {
    min_rtt_samples_.erase(
        min_rtt_samples_.begin(),
        min_rtt_samples_.end() - static_cast<std::ptrdiff_t>(kMinRttSamplesKept));
  }
  // The mean of the samples' latencies, each sample weighing the same: a window at a higher
  // concurrency completes more requests but is no better a measurement of the unqueued latency.
  const SampleStats stats = latency_stats(min_rtt_samples_, 1.0);
  if (stats.n() > 0) min_rtt_ = std::chrono::nanoseconds(static_cast<std::int64_t>(stats.mean()));
}

void GradientLimiter::adjust(const Knob& knob, std::span<const PerformanceSample> samples,
                             std::vector<ControlDecision>& out) {
  const WindowSummary w = summarize(samples);
  if (w.latency.count() <= 0) return;  // nothing completed: no evidence either way
  if (asked_ <= measured_at_) {
    // At or below the concurrency the minimum RTT was measured at, nothing queues: this window is
    // one more measurement of it. (This also lifts a minimum that noise set too low, which would
    // otherwise hold the limit down until the next measurement.)
    add_min_rtt_samples(samples);
  }
  const double rtt = static_cast<double>(w.latency.count());
  const double min_rtt = static_cast<double>(min_rtt_.count());
  const double ratio = rtt / min_rtt;
  last_ratio_ = ratio;
  const double tolerated = 1.0 + options_.tolerance;
  const bool app_limited =
      w.mean_concurrency > 0.0 && w.mean_concurrency < options_.app_limited_share * limit_;

  // Confidence that latency is on the side of the tolerance the move assumes: a one-sample t-test
  // of the samples' latency ratios against the tolerated ratio.
  SampleStats ratios;
  for (const PerformanceSample& s : samples) {
    if (s.latency.count() > 0) ratios.add(static_cast<double>(s.latency.count()) / min_rtt);
  }
  const double confidence = 1.0 - one_sample_t_test(ratios, tolerated).p_value;

  const double before = limit_;
  std::string law;
  if (slow_start_ && !app_limited) {
    // Scale the measurement by the tolerance and ask whether this window is significantly slower.
    const TTestResult above =
        welch_t_test(latency_stats(samples, 1.0), latency_stats(min_rtt_samples_, tolerated));
    if (ratio > tolerated && above.p_value < options_.slow_start_significance) {
      slow_start_ = false;
    } else {
      limit_ = std::min(knob.max(), limit_ * 2.0);
      law = "slow start: doubling";
      // Not measurably queued: the window adds to the minimum-RTT estimate, which a short first
      // measurement at a low concurrency leaves noisy.
      add_min_rtt_samples(samples);
    }
  }
  if (law.empty()) {
    const double gradient =
        std::clamp(tolerated / ratio, options_.min_gradient, options_.max_gradient);
    double next = limit_ * gradient;
    if (gradient > 1.0) next = app_limited ? limit_ : std::max(next, limit_ + knob.step());
    limit_ = std::clamp(next, knob.min(), knob.max());
    law =
        fmt::format("gradient {:.3f}{}", gradient, app_limited ? " (app-limited: no growth)" : "");
  }
  const double to = knob.admissible_from(asked_, limit_);
  // Keep the law's limit within one step of what the knob can hold (bounds, rate limit).
  if (std::fabs(to - limit_) > knob.step()) limit_ = to;
  quiet_windows_ =
      std::fabs(limit_ - before) < 0.05 * std::max(before, knob.step()) ? quiet_windows_ + 1 : 0;
  if (to == asked_) return;
  out.push_back({TuneAction::kMove, asked_, to,
                 fmt::format("latency {:.3f} ms = x{:.3f} the minimum RTT {:.3f} ms (tolerated "
                             "x{:.2f}) over {} samples: {} -> limit {:.2f}",
                             ms(w.latency), ratio, ms(min_rtt_), tolerated, w.samples, law, limit_),
                 confidence});
  asked_ = to;
}

std::optional<double> GradientLimiter::best_value() const {
  if (!started_) return std::nullopt;
  // During a minimum-RTT measurement the limit it will return to; else the limit it asked for.
  return phase_ == Phase::kMeasuring ? restore_ : asked_;
}

bool GradientLimiter::settled() const {
  return started_ && phase_ == Phase::kLimiting && !slow_start_ && quiet_windows_ >= 3;
}

std::string GradientLimiter::describe() const {
  if (!started_) return "limit concurrency by latency: waiting for the first window";
  if (phase_ == Phase::kMeasuring) {
    return fmt::format(
        "limit concurrency by latency: measuring the minimum RTT at {:g} ({} of {} "
        "windows)",
        asked_, measured_windows_, options_.min_rtt_windows);
  }
  return fmt::format(
      "limit concurrency by latency: limit {:g}{}, latency x{:.2f} of the minimum RTT "
      "{:.3f} ms (tolerated x{:.2f}); next minimum-RTT check in {} window(s)",
      asked_, slow_start_ ? " in slow start" : "", last_ratio_, ms(min_rtt_),
      1.0 + options_.tolerance, options_.min_rtt_every_windows - windows_since_measurement_);
}

}  // namespace opusperf
