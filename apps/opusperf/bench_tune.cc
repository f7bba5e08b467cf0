// `opusperf bench tune`: the AdaptivePerformanceTuner simulator (bench/tune). Runs a scenario file
// (bench/tune/scenarios/*.json) against the real tuner and controller on simulated time and
// reports, per phase, how fast and how well the knob reached the best setting, and for overload
// scenarios goodput and p99 against the no-load p99.
//
//   opusperf bench tune --scenario FILE.json [--controller hill_climb|gradient] [--seed S]
//                       [--json] [--log]
//
// With --json, one JSON object on stdout (tune_simulation.h documents it); --log adds the decision
// log (to the JSON as "decisions", else as a table). Progress goes to stderr.
#include <fmt/format.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "bench/tune/scenario.h"
#include "bench/tune/tune_simulation.h"
#include "command_registry.h"
#include "opusperf/core/errors.h"
#include "opusperf/tune/decision.h"

namespace opusperf::cli {
namespace {

struct TuneOptions {
  std::string scenario;
  std::string controller;
  std::uint64_t seed = 1;
  bool json = false;
  bool log = false;
};

void print_text(const bench::tune::TuneSimulationResult& r, bool log, std::ostream& out) {
  out << fmt::format("scenario {}, controller {}, seed {}\n", r.scenario, r.controller, r.seed);
  out << fmt::format("{:>5} {:>8} {:>8} {:>13} {:>11} {:>14} {:>7} {:>7}\n", "phase", "seconds",
                     "optimum", "time_to_95_s", "mean_share", "steady min-max", "spread", "final");
  for (std::size_t i = 0; i < r.phases.size(); ++i) {
    const bench::tune::PhaseOutcome& p = r.phases[i];
    out << fmt::format("{:>5} {:>8g} {:>8g} {:>13} {:>11.4f} {:>14} {:>7g} {:>7g}\n", i, p.seconds,
                       p.optimum, p.time_to_95_s ? fmt::format("{:.1f}", *p.time_to_95_s) : "never",
                       p.mean_share, fmt::format("{:g}-{:g}", p.steady_min, p.steady_max),
                       p.steady_spread, p.final_value);
  }
  if (r.overload) {
    const bench::tune::OverloadOutcome& o = *r.overload;
    out << fmt::format(
        "overload: goodput {:.1f}% of peak; p99 {:.2f} ms = {:.3f} x the no-load p99 {:.2f} ms; "
        "{:.1f}% of arrivals rejected\n",
        100 * o.goodput_share, o.p99_ms, o.p99_ratio, o.no_load_p99_ms, 100 * o.rejected_share);
  }
  out << fmt::format("decisions: {}{}\nat the end: {}\n", r.decisions.size(),
                     log ? "" : " (--log lists them)", r.final_strategy);
  if (!log) return;
  out << decision_text_header() << "\n";
  for (const Decision& d : r.decisions)
    out << to_text(d) << "\n";
}

int run_tune(const TuneOptions& o) {
  const bench::tune::TuneScenario scenario = bench::tune::load_scenario(o.scenario);
  const std::string controller =
      o.controller.empty() ? scenario.default_controller() : o.controller;
  std::cerr << fmt::format("bench tune: {} ({} phase(s)) with {}, seed {}\n", o.scenario,
                           scenario.phases.size(), controller, o.seed);
  const bench::tune::TuneSimulationResult result =
      bench::tune::simulate_tuning(scenario, controller, o.seed);
  if (o.json) {
    nlohmann::json doc = bench::tune::to_json(result);
    if (o.log) {
      nlohmann::json decisions = nlohmann::json::array();
      for (const Decision& d : result.decisions)
        decisions.push_back(to_json(d));
      doc["decisions"] = std::move(decisions);
    }
    std::cout << doc.dump(1) << "\n";
  } else {
    print_text(result, o.log, std::cout);
  }
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_bench_suite({
    "tune",
    "AdaptivePerformanceTuner simulator: real controllers on a scenario's workload model",
    [](CLI::App& cmd, int& exit_code) {
      auto o = std::make_shared<TuneOptions>();
      cmd.add_option("--scenario", o->scenario, "Scenario JSON file (bench/tune/scenarios)")
          ->required();
      cmd.add_option("--controller", o->controller,
                     "hill_climb or gradient (default: the scenario's, else gradient for overload "
                     "scenarios and hill_climb otherwise)");
      cmd.add_option("--seed", o->seed, "Random seed of the noise and arrivals")
          ->capture_default_str();
      cmd.add_flag("--json", o->json, "Print one JSON object to stdout");
      cmd.add_flag("--log", o->log, "Include the tuner's decision log");
      cmd.callback([o, &exit_code] { exit_code = run_tune(*o); });
    },
});

}  // namespace
}  // namespace opusperf::cli
