// The driver of `opusperf bench tune`: runs a TuneScenario against the real
// AdaptivePerformanceTuner and controller (make_controller), on simulated time (a ManualClock),
// and measures how well the tuned knob did.
//
// Each sample period the workload model turns the knob's value into a sample: closed loop
// (overload 0): throughput = 1000/s x share(x) x speed, latency = x / throughput (Little's law),
// concurrency x; open loop (overload >= 1): one period of OverloadServer at a limit of x. speed is
// 1 + noise x N(0, 1) per sample (floored at 0.05). The sample is recorded, the clock advanced and
// the tuner ticked, so it evaluates every interval_ms exactly as it would in a service.
//
// Measures, per phase (share = the model's noise-free throughput at the knob's value divided by
// that of the best fixed setting on the knob's grid; for overload runs the same model share of the
// limit):
//   time_to_95_s   from the phase start to the first sample at which the share, averaged over the
//                  trailing second (or the phase so far, if shorter), reaches 95%; null if never
//   mean_share     the share averaged over the whole phase
//   steady_*       the knob's min, max and spread (max - min) over the last half of the phase
//   final_value    the knob's value at the end of the phase
// and for overload runs, over the whole run:
//   goodput_share  completed requests / (peak x duration): the share of the server's capacity
//                  turned into completed work (rejected requests are not goodput)
//   p99_ratio      p99 latency of completed requests / the no-load p99 (the same model, same
//                  noise, one request at a time)
//
// Deterministic for (scenario, controller, seed). Thread-safe (no shared state). Cost: a few ms per
// simulated minute closed loop; overload runs about 1 µs per simulated request.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/tune/scenario.h"
#include "opusperf/tune/decision.h"

namespace opusperf::bench::tune {

struct PhaseOutcome {
  double seconds = 0.0;
  double optimum = 0.0;
  std::optional<double> time_to_95_s;
  double mean_share = 0.0;
  double steady_min = 0.0;
  double steady_max = 0.0;
  double steady_spread = 0.0;
  double final_value = 0.0;
};

struct OverloadOutcome {
  double goodput_share = 0.0;
  double p99_ratio = 0.0;
  double p99_ms = 0.0;
  double no_load_p99_ms = 0.0;
  double rejected_share = 0.0;  // rejected / arrived
};

struct TuneSimulationResult {
  std::string scenario;
  std::string controller;
  std::uint64_t seed = 0;
  std::vector<PhaseOutcome> phases;
  std::optional<OverloadOutcome> overload;
  std::vector<Decision> decisions;  // the tuner's whole decision log
  std::string final_strategy;       // current_strategy().summary() at the end
};

// Runs the scenario with the controller called `controller`. Throws InputError for an unknown
// controller name.
TuneSimulationResult simulate_tuning(const TuneScenario& scenario, std::string_view controller,
                                     std::uint64_t seed);

// The --json document: {"scenario", "controller", "seed", "phases": [{"time_to_95_s" (or null),
// "mean_share", "steady_spread", "final_value", "seconds", "optimum", "steady_min", "steady_max"}],
// "overload": {"goodput_share", "p99_ratio", "p99_ms", "no_load_p99_ms", "rejected_share"} or null,
// "decisions_total", "final_strategy"}.
nlohmann::json to_json(const TuneSimulationResult& result);

}  // namespace opusperf::bench::tune
