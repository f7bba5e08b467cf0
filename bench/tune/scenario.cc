#include "bench/tune/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>

#include "opusperf/core/errors.h"
#include "opusperf/core/string_distance.h"

namespace opusperf::bench::tune {
namespace {

using nlohmann::json;

// Upper bounds that keep any accepted file to seconds of work.
constexpr double kMaxSimulatedSamples = 1e7;
constexpr double kMaxSimulatedRequests = 2e8;

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(std::string_view field, std::string_view why) const {
    throw InputError(fmt::format("scenario '{}': field '{}': {}", source_, field, why));
  }

  void reject_unknown(const json& object, std::string_view where,
                      std::span<const std::string_view> known) const {
    for (const auto& [key, value] : object.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      const auto guess = closest_match(key, known);
      fail(fmt::format("{}{}", where, key),
           guess ? fmt::format("unknown field; did you mean '{}'?", *guess)
                 : fmt::format("unknown field; fields here are: {}", fmt::join(known, ", ")));
    }
  }

  // Returns object[key] as a number, or `fallback` when absent.
  double number(const json& object, std::string_view where, const char* key, double fallback,
                bool required = false) const {
    const auto it = object.find(key);
    const std::string field = fmt::format("{}{}", where, key);
    if (it == object.end()) {
      if (required) fail(field, "is required");
      return fallback;
    }
    if (!it->is_number()) fail(field, fmt::format("must be a number, got {}", it->dump()));
    const double v = it->get<double>();
    if (!std::isfinite(v)) fail(field, "must be finite");
    return v;
  }

  void check(bool ok, std::string_view field, std::string_view rule, double got) const {
    if (!ok) fail(field, fmt::format("{}, got {:g}", rule, got));
  }

 private:
  std::string source_;
};

constexpr std::array<std::string_view, 10> kTopFields = {
    "knob",  "phases",   "sample_ms",  "interval_ms", "noise",
    "shape", "overload", "service_ms", "controller",  "description"};
constexpr std::array<std::string_view, 5> kKnobFields = {"min", "max", "start", "step",
                                                         "max_factor_per_move"};
constexpr std::array<std::string_view, 2> kPhaseFields = {"seconds", "optimum"};

std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i + 1 < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

}  // namespace

std::string TuneScenario::default_controller() const {
  if (!controller.empty()) return controller;
  return overload > 0 ? "gradient" : "hill_climb";
}

TuneScenario parse_scenario(std::string_view text, std::string_view source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    const auto [line, column] = line_and_column(text, e.byte);
    throw InputError(fmt::format("scenario '{}': invalid JSON at line {}, column {}: {}", source,
                                 line, column, e.what()));
  }
  const Reader r(source);
  if (!doc.is_object()) r.fail("(top level)", "must be a JSON object");
  r.reject_unknown(doc, "", kTopFields);

  TuneScenario s;
  s.source = std::string(source);
  if (const auto it = doc.find("description"); it != doc.end()) {
    if (!it->is_string()) r.fail("description", "must be a string");
    s.description = it->get<std::string>();
  }

  const auto knob = doc.find("knob");
  if (knob == doc.end()) r.fail("knob", "is required");
  if (!knob->is_object()) r.fail("knob", "must be an object {\"min\", \"max\", \"start\"}");
  r.reject_unknown(*knob, "knob.", kKnobFields);
  s.knob_min = r.number(*knob, "knob.", "min", 0, /*required=*/true);
  s.knob_max = r.number(*knob, "knob.", "max", 0, /*required=*/true);
  s.knob_start = r.number(*knob, "knob.", "start", 0, /*required=*/true);
  s.knob_step = r.number(*knob, "knob.", "step", 1.0);
  s.knob_max_factor_per_move = r.number(*knob, "knob.", "max_factor_per_move", 2.0);
  r.check(s.knob_min >= 0, "knob.min", "must be >= 0", s.knob_min);
  r.check(s.knob_max > s.knob_min, "knob.max", fmt::format("must be > knob.min ({:g})", s.knob_min),
          s.knob_max);
  r.check(s.knob_start >= s.knob_min && s.knob_start <= s.knob_max, "knob.start",
          fmt::format("must lie in [knob.min, knob.max] = [{:g}, {:g}]", s.knob_min, s.knob_max),
          s.knob_start);
  r.check(s.knob_step > 0, "knob.step", "must be > 0", s.knob_step);
  r.check(s.knob_max_factor_per_move > 1, "knob.max_factor_per_move", "must be > 1",
          s.knob_max_factor_per_move);

  const auto phases = doc.find("phases");
  if (phases == doc.end()) r.fail("phases", "is required");
  if (!phases->is_array() || phases->empty()) {
    r.fail("phases", "must be a non-empty array of {\"seconds\", \"optimum\"}");
  }
  for (std::size_t i = 0; i < phases->size(); ++i) {
    const json& p = (*phases)[i];
    const std::string where = fmt::format("phases[{}].", i);
    if (!p.is_object()) r.fail(fmt::format("phases[{}]", i), "must be an object");
    r.reject_unknown(p, where, kPhaseFields);
    ScenarioPhase phase;
    phase.seconds = r.number(p, where, "seconds", 0, /*required=*/true);
    phase.optimum = r.number(p, where, "optimum", 0, /*required=*/true);
    r.check(phase.seconds > 0, where + "seconds", "must be > 0", phase.seconds);
    r.check(phase.optimum > 0, where + "optimum", "must be > 0", phase.optimum);
    s.phases.push_back(phase);
  }

  s.sample_ms = r.number(doc, "", "sample_ms", 100.0);
  r.check(s.sample_ms >= 0.001, "sample_ms", "must be >= 0.001", s.sample_ms);
  s.interval_ms = r.number(doc, "", "interval_ms", 500.0);
  r.check(s.interval_ms >= s.sample_ms, "interval_ms",
          fmt::format("must be >= sample_ms ({:g})", s.sample_ms), s.interval_ms);
  s.noise = r.number(doc, "", "noise", 0.0);
  r.check(s.noise >= 0 && s.noise < 1, "noise", "must lie in [0, 1)", s.noise);
  if (const auto it = doc.find("shape"); it != doc.end()) {
    if (!it->is_string()) r.fail("shape", "must be \"contention\" or \"plateau\"");
    const std::string shape = it->get<std::string>();
    if (shape == "contention") {
      s.shape = WorkloadShape::kContention;
    } else if (shape == "plateau") {
      s.shape = WorkloadShape::kPlateau;
    } else {
      r.fail("shape", fmt::format("must be \"contention\" or \"plateau\", got \"{}\"", shape));
    }
  }
  s.overload = r.number(doc, "", "overload", 0.0);
  r.check(s.overload == 0 || (s.overload >= 1 && s.overload <= 100), "overload",
          "must be 0 (closed loop) or in [1, 100] (multiple of peak load)", s.overload);
  s.service_ms = r.number(doc, "", "service_ms", 10.0);
  r.check(s.service_ms >= 0.001, "service_ms", "must be >= 0.001", s.service_ms);
  if (const auto it = doc.find("controller"); it != doc.end()) {
    if (!it->is_string()) r.fail("controller", "must be a string");
    s.controller = it->get<std::string>();
  }

  // Keep every accepted file to a bounded amount of work.
  double samples = 0;
  double requests = 0;
  for (const ScenarioPhase& p : s.phases) {
    samples += p.seconds * 1000.0 / s.sample_ms;
    requests += s.overload * p.optimum / (s.service_ms / 1000.0) * p.seconds;
  }
  r.check(
      samples <= kMaxSimulatedSamples, "phases",
      fmt::format("total seconds / sample_ms must be at most {:g} samples", kMaxSimulatedSamples),
      samples);
  r.check(requests <= kMaxSimulatedRequests, "phases",
          fmt::format("an overload run may simulate at most {:g} requests (overload x optimum / "
                      "service time x seconds)",
                      kMaxSimulatedRequests),
          requests);
  return s;
}

TuneScenario load_scenario(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("scenario '{}': cannot read the file", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), file.string());
}

}  // namespace opusperf::bench::tune
