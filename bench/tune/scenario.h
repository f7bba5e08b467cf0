// TuneScenario: a workload for `opusperf bench tune`, read from a JSON file:
//
//   {"knob": {"min": 1, "max": 64, "start": 1},
//    "phases": [{"seconds": 60, "optimum": 20}, {"seconds": 60, "optimum": 8}],
//    "sample_ms": 100, "noise": 0.05, "shape": "contention", "overload": 0}
//
// Fields (defaults in brackets):
//   knob.min, knob.max      hard bounds of the tuned concurrency (min < max)
//   knob.start              its value when the run starts, in [min, max]
//   knob.step [1]           grid spacing, > 0
//   knob.max_factor_per_move [2]  the knob's rate limit, > 1 (knob.h)
//   phases                  non-empty; each {seconds > 0, optimum > 0}: the best concurrency
//   sample_ms [100]         one measured sample per this much simulated time, > 0
//   interval_ms [500]       the tuner's evaluation window, >= sample_ms
//   noise [0]               standard deviation of the per-sample speed factor (5% = 0.05), [0, 1)
//   shape ["contention"]    "contention" or "plateau" (workload_model.h)
//   overload [0]            0: closed loop (the knob's concurrency is always busy); >= 1: open
//                           loop at that multiple of peak load through OverloadServer
//   service_ms [10]         overload: unqueued mean service time of one request, > 0
//   controller              optional default for --controller ("hill_climb"; "gradient" when
//                           overload > 0)
//   description             optional free text
//
// Parsing rejects unknown fields (with a "did you mean"), wrong types and out-of-range values by
// throwing InputError naming the file, the field (e.g. "phases[1].optimum") and the rule. Pure
// functions, thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "bench/tune/workload_model.h"

namespace opusperf::bench::tune {

struct ScenarioPhase {
  double seconds = 0.0;
  double optimum = 0.0;
};

struct TuneScenario {
  std::string source;  // the file it came from, for messages
  std::string description;
  double knob_min = 1.0;
  double knob_max = 64.0;
  double knob_start = 1.0;
  double knob_step = 1.0;
  double knob_max_factor_per_move = 2.0;
  std::vector<ScenarioPhase> phases;
  double sample_ms = 100.0;
  double interval_ms = 500.0;
  double noise = 0.0;
  WorkloadShape shape = WorkloadShape::kContention;
  double overload = 0.0;
  double service_ms = 10.0;
  std::string controller;  // empty: hill_climb, or gradient when overload > 0

  // Returns the controller to use when the command line names none.
  std::string default_controller() const;
};

// Parses a scenario from JSON text; `source` names it in errors. Throws InputError.
TuneScenario parse_scenario(std::string_view text, std::string_view source);
// Reads and parses a scenario file. Throws InputError when unreadable or invalid.
TuneScenario load_scenario(const std::filesystem::path& file);

}  // namespace opusperf::bench::tune
