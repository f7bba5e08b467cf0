// TuneComponent: the AdaptivePerformanceTuner as a PerformanceOptimizer component, filling the
// report's "tune" section.
//
//   auto tune = std::make_unique<TuneComponent>(opt.config(), opt.metrics());
//   AdaptivePerformanceTuner& tuner = tune->tuner();
//   tuner.add_knob({.name = "pool_concurrency", ...}, make_controller("hill_climb"));
//   opt.add_component(std::move(tune));   // start(): the tuner's thread evaluates every
//                                         // config.tuning_interval
//
// Every successful optimize_operation of the optimizer is recorded as a performance sample
// (on_operation). The tuner is built from the config (tuning_interval, performance_history_size)
// and registers its metrics (opusperf_tune_knob_value{knob},
// opusperf_tune_decisions_total{knob,action}, opusperf_tune_frozen) in the optimizer's Registry.
// Components that own a tunable setting add their knobs through tuner(); knobs may be added before
// or after start().
//
// Thread-safety: as AdaptivePerformanceTuner (every method from any thread). Not copyable.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "opusperf/core/clock.h"
#include "opusperf/core/config.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/optimizer/component.h"
#include "opusperf/tune/adaptive_performance_tuner.h"

namespace opusperf {

class TuneComponent final : public Component {
 public:
  // `metrics` and `clock` must outlive the component.
  TuneComponent(const OptimizationConfig& config, Registry& metrics,
                Clock& clock = SteadyClock::instance());
  TuneComponent(const TuneComponent&) = delete;
  TuneComponent& operator=(const TuneComponent&) = delete;

  std::string_view section() const override { return "tune"; }
  // Starts the tuner's evaluation thread.
  void start() override { tuner_.start(); }
  // Stops and joins it.
  void stop() override { tuner_.stop(); }
  // Nothing to release: the tuner holds no rebuildable memory. Says what it is tuning.
  OptimizationStep optimize_now() override;
  nlohmann::json report_section() const override { return tuner_.report_json(); }
  // Every operation the optimizer measures is a performance sample for the tuner (the seed's
  // record_performance), so knobs are judged on the service's own throughput.
  bool observes_operations() const override { return true; }
  void on_operation(std::string_view /*name*/, const OperationMetrics& metrics) override {
    tuner_.record_performance(metrics);
  }

  AdaptivePerformanceTuner& tuner() { return tuner_; }
  const AdaptivePerformanceTuner& tuner() const { return tuner_; }

 private:
  AdaptivePerformanceTuner tuner_;
};

}  // namespace opusperf
