// AdaptivePerformanceTuner: changes registered settings (Knobs) while the service runs, measures
// the effect, keeps what helps and undoes what hurts, and says why for every change.
//
//   AdaptivePerformanceTuner tuner(TunerOptions::from_config(cfg), clock, &registry);
//   Knob& k = tuner.add_knob({.name = "pool_concurrency", .min = 1, .max = cfg.max_workers,
//                             .initial = 4, .apply = [&](double v) { limiter.set_limit(v); }},
//                            make_controller("hill_climb"));
//   tuner.start();                                // or call tick() from your own loop
//   tuner.record_performance(sample);             // a PerformanceSample per short period, or
//   tuner.record_performance(operation_metrics);  // each finished operation (aggregated here)
//   tuner.current_strategy().summary();           // what is tuned now and why
//   tuner.decisions();                            // the decision log
//
// The loop. Every `interval` (OptimizationConfig::tuning_interval) of the injected clock the tuner
// evaluates: it hands the samples recorded since the last evaluation, minus those whose period
// began before the knob's last change, to the active knob's controller, applies the decisions it
// returns (each clamped by the knob's bounds and rate limit) and logs each one. The next window's
// samples verify the change: the hill climber rolls back a change that measured significantly
// worse in the window that showed it. With several knobs, one is tuned at a time; when its
// controller settles, the next one's turn begins.
//
// Safety: hard bounds and a per-move rate limit on every knob (knob.h); set_frozen(true) stops all
// changes at once, first moving a knob that holds a value still on trial back to the value its
// controller's evidence supports (samples are still recorded; controllers start over when
// unfrozen); a throwing apply callback leaves the knob unchanged and is logged.
//
// Thread-safety: every method may be called from many threads. record_performance takes one
// mutex briefly; evaluations are serialized and run the apply callbacks, which may call
// record_performance but not evaluate_now/tick/add_knob/set_frozen (they would deadlock). stop()
// (and the destructor) wakes the background thread through a condition variable and joins it.
// Cost: record_performance is a vector push under a mutex (~100 ns); an evaluation is the
// controller's O(samples) work plus the apply callbacks.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "opusperf/core/clock.h"
#include "opusperf/core/config.h"
#include "opusperf/monitor/history.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/monitor/operation_metrics.h"
#include "opusperf/tune/controller.h"
#include "opusperf/tune/decision.h"
#include "opusperf/tune/knob.h"
#include "opusperf/tune/performance_sample.h"

namespace opusperf {

struct TunerOptions {
  // Evaluation window: OptimizationConfig::tuning_interval (default 30 s). > 0.
  std::chrono::nanoseconds interval = std::chrono::seconds(30);
  // Decisions and samples kept: OptimizationConfig::performance_history_size (default 1000). >= 1.
  std::size_t history_size = 1000;
  // record_performance(OperationMetrics) closes one sample every interval / samples_per_interval,
  // so each window holds this many samples for the controllers' tests. >= 1.
  std::size_t samples_per_interval = 5;
  // Start frozen (no changes until set_frozen(false)).
  bool frozen = false;

  // Returns the options OptimizationConfig sets (interval, history_size); the rest default.
  static TunerOptions from_config(const OptimizationConfig& config);
};

// What the tuner is doing now and why.
struct TunerStrategy {
  std::string knob;        // the knob being tuned; empty when none is registered
  std::string controller;  // its controller's name
  std::string reason;      // the controller's own account (Controller::describe)
  bool frozen = false;
  // Returns one sentence, e.g. "tuning pool_concurrency with hill_climb: ...".
  std::string summary() const;
};

// A registered knob as the report shows it.
struct KnobStatus {
  std::string name;
  std::string controller;
  double value = 0.0;
  double min = 0.0;
  double max = 0.0;
  double step = 0.0;
  bool active = false;   // the knob being tuned now
  bool settled = false;  // its controller has converged
};

class AdaptivePerformanceTuner {
 public:
  // REQUIRES: options as documented (throws std::invalid_argument). `clock` and `metrics` (may be
  // null) must outlive the tuner.
  explicit AdaptivePerformanceTuner(TunerOptions options = {},
                                    Clock& clock = SteadyClock::instance(),
                                    Registry* metrics = nullptr);
  ~AdaptivePerformanceTuner();
  AdaptivePerformanceTuner(const AdaptivePerformanceTuner&) = delete;
  AdaptivePerformanceTuner& operator=(const AdaptivePerformanceTuner&) = delete;

  // Registers a knob with the controller that tunes it and returns the knob, owned by the tuner
  // (the reference stays valid for its lifetime). The first knob registered is tuned first.
  // REQUIRES: spec valid (knob.h), controller not null, name not registered before (throws
  // std::invalid_argument).
  Knob& add_knob(KnobSpec spec, std::unique_ptr<Controller> controller);

  // Records one measured period. A default `at` is stamped with the clock's now(); a zero
  // `period` means interval / samples_per_interval.
  void record_performance(const PerformanceSample& sample);
  // Records one finished operation: its units (1 when 0) and wall time join the current sample,
  // closed every interval / samples_per_interval (throughput = units / period, latency = mean
  // wall time). Periods in which nothing finished become zero-throughput samples (up to two
  // windows' worth; then the next operation starts a new sample).
  void record_performance(const OperationMetrics& metrics);

  // Evaluates when at least `interval` has passed since the last evaluation. Returns whether it
  // evaluated. Call it from your own loop, or start() the background thread.
  bool tick();
  // Evaluates now (see the file comment).
  void evaluate_now();

  // Starts the background thread that calls tick() every interval. Idempotent.
  void start();
  // Stops and joins it; returns within one wake-up. Idempotent; the destructor calls it.
  void stop();

  // Freezes (no knob changes after a knob on trial returns to its controller's best_value()) or
  // unfreezes (controllers start over from the current values).
  void set_frozen(bool frozen);
  bool frozen() const;

  // Returns what is being tuned and why.
  TunerStrategy current_strategy() const;
  // Returns the decision log, oldest first (at most history_size entries).
  std::vector<Decision> decisions() const { return decisions_.snapshot(); }
  // Returns how many decisions were ever logged.
  std::uint64_t decisions_total() const { return decisions_.total_pushed(); }
  // Returns the samples recorded, oldest first (at most history_size).
  std::vector<PerformanceSample> performance_history() const { return samples_.snapshot(); }
  std::vector<KnobStatus> knobs() const;
  // Returns the report's `tune` section ("enabled": true, strategy, knobs, decisions, ...).
  nlohmann::json report_json() const;

  const TunerOptions& options() const { return options_; }

 private:
  struct Binding {
    std::unique_ptr<Knob> knob;
    std::unique_ptr<Controller> controller;
    Clock::time_point last_change{};
    Gauge* value_gauge = nullptr;
  };

  void close_due_samples(Clock::time_point now);      // REQUIRES: mu_ held
  void push_sample(const PerformanceSample& sample);  // REQUIRES: mu_ held
  void apply(Binding& binding, const ControlDecision& decision, Clock::time_point now);
  void refresh_strategy();  // REQUIRES: eval_mu_ held
  void run();

  const TunerOptions options_;
  const std::chrono::nanoseconds sample_period_;
  Clock& clock_;
  Registry* const metrics_;
  const Clock::time_point started_;
  History<Decision> decisions_;
  History<PerformanceSample> samples_;

  // Serializes evaluations and guards the bindings and controllers. Taken before mu_.
  mutable std::mutex eval_mu_;
  std::vector<Binding> bindings_;
  std::size_t active_ = 0;

  mutable std::mutex mu_;                   // guards what follows
  std::vector<PerformanceSample> pending_;  // recorded since the last evaluation
  bool bucket_open_ = false;
  Clock::time_point bucket_start_{};
  double bucket_units_ = 0.0;
  std::chrono::nanoseconds bucket_latency_sum_{0};
  std::uint64_t bucket_count_ = 0;
  std::size_t empty_periods_ = 0;
  bool frozen_ = false;
  Clock::time_point last_evaluation_{};
  TunerStrategy strategy_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread thread_;
};

}  // namespace opusperf
