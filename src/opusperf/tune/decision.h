// Decision: one entry of the tuner's decision log: when, which knob, old -> new value, what the
// controller did (probe, accept, rollback, ...), the evidence and the confidence behind it. The
// tuner keeps the most recent ones in a History and puts them in the report's `tune` section.
//
// A value type; thread-safe to copy. to_json() is what the report holds (times in ms since the
// tuner started).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "opusperf/core/clock.h"
#include "opusperf/tune/controller.h"

namespace opusperf {

struct Decision {
  Clock::time_point at{};
  std::chrono::nanoseconds since_start{0};  // since the tuner was built
  std::string knob;
  std::string controller;
  TuneAction action = TuneAction::kMove;
  double from = 0.0;
  double to = 0.0;  // the value the knob holds after the decision
  std::string evidence;
  double confidence = 0.0;  // [0, 1]
};

// {"at_ms", "knob", "controller", "action", "from", "to", "evidence", "confidence"}.
nlohmann::json to_json(const Decision& d);

// One line for a terminal: "  12.50s  accept      16 -> 32     0.998  <evidence>" (seconds since
// the tuner started, action, values, confidence, evidence). decision_text_header() labels the
// columns.
std::string to_text(const Decision& d);
std::string decision_text_header();

}  // namespace opusperf
