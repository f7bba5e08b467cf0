#include "bench/balance/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>

#include "opusperf/core/errors.h"

namespace opusperf::bench::balancesim {
namespace {

using nlohmann::json;

constexpr std::uint64_t kMaxJobs = 100'000'000;
constexpr std::uint64_t kMaxWorkers = 4096;  // OptimizationConfig::max_workers' range

// Reads typed, range-checked fields of one JSON object, naming `path.key` in every error.
class Fields {
 public:
  Fields(const json& object, std::string path, std::string_view source)
      : object_(object), path_(std::move(path)), source_(source) {}

  [[noreturn]] void fail(std::string_view key, std::string_view why) const {
    throw InputError(fmt::format("{}: field '{}': {}", source_, name(key), why));
  }

  // Rejects any key not in `known`.
  void only(std::initializer_list<std::string_view> known) const {
    for (const auto& [key, value] : object_.items()) {
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail(key, fmt::format("unknown field; known fields are: {}", fmt::join(known, ", ")));
    }
  }

  bool has(std::string_view key) const { return object_.contains(key); }

  // Returns the number at `key` (default when absent), checked by `ok`, described by `rule`.
  template <class Ok>
  double number(std::string_view key, std::optional<double> fallback, Ok ok,
                std::string_view rule) const {
    const auto it = object_.find(key);
    if (it == object_.end()) {
      if (!fallback) fail(key, fmt::format("missing; it must be {}", rule));
      return *fallback;
    }
    if (!it->is_number()) fail(key, fmt::format("must be a number {}, got {}", rule, it->dump()));
    const double v = it->get<double>();
    if (!std::isfinite(v) || !ok(v)) fail(key, fmt::format("must be {}, got {}", rule, it->dump()));
    return v;
  }

  // Returns the whole number at `key` in [lo, hi], or nothing when absent.
  std::optional<std::uint64_t> count(std::string_view key, std::uint64_t lo,
                                     std::uint64_t hi) const {
    const auto it = object_.find(key);
    if (it == object_.end()) return std::nullopt;
    const std::string rule = fmt::format("a whole number in [{}, {}]", lo, hi);
    if (!it->is_number_integer()) fail(key, fmt::format("must be {}, got {}", rule, it->dump()));
    if (it->is_number_unsigned()) {
      const auto v = it->get<std::uint64_t>();
      if (v >= lo && v <= hi) return v;
    }
    fail(key, fmt::format("must be {}, got {}", rule, it->dump()));
  }

  std::string text(std::string_view key) const {
    const auto it = object_.find(key);
    if (it == object_.end()) return {};
    if (!it->is_string()) fail(key, fmt::format("must be a string, got {}", it->dump()));
    return it->get<std::string>();
  }

  const json& at(std::string_view key) const { return object_.at(key); }
  std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
  }

 private:
  const json& object_;
  std::string path_;
  std::string_view source_;
};

// Returns "line L, column C" of byte offset `byte` (1-based, as nlohmann reports it) in `text`.
std::string position(std::string_view text, std::size_t byte) {
  const std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(end), '\n');
  const std::size_t last_newline = text.rfind('\n', end > 0 ? end - 1 : 0);
  const std::size_t column =
      last_newline == std::string_view::npos || end == 0 ? end + 1 : end - last_newline;
  return fmt::format("line {}, column {}", line, column);
}

SimWorkerSpec parse_worker(const Fields& f, std::uint64_t jobs) {
  f.only({"speed", "count", "weight", "fail_after", "recover_after", "fail_prob", "fail_latency"});
  SimWorkerSpec w;
  const auto positive = [](double v) { return v > 0.0; };
  w.speed = f.number("speed", 1.0, positive, "> 0");
  w.weight = f.number("weight", 1.0, positive, "> 0");
  w.fail_after = f.count("fail_after", 0, jobs);
  w.recover_after = f.count("recover_after", 0, kMaxJobs);
  if (w.recover_after && !w.fail_after) f.fail("recover_after", "needs fail_after");
  if (w.recover_after && *w.recover_after <= *w.fail_after) {
    f.fail("recover_after", fmt::format("must be greater than fail_after ({}), got {}",
                                        *w.fail_after, *w.recover_after));
  }
  for (const std::string_view key : {"fail_prob", "fail_latency"}) {
    if (f.has(key) && !w.fail_after) f.fail(key, "needs fail_after");
  }
  w.fail_prob = f.number(
      "fail_prob", 1.0, [](double v) { return v >= 0.0 && v <= 1.0; }, "in [0, 1]");
  w.fail_latency = f.number(
      "fail_latency", 0.001, [](double v) { return v >= 0.0; }, ">= 0");
  return w;
}

}  // namespace

double Scenario::capacity() const {
  double total = 0.0;
  for (const SimWorkerSpec& w : workers)
    total += w.speed;
  return total;
}

Scenario parse_scenario(std::string_view text, std::string_view source) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error& e) {
    throw InputError(
        fmt::format("{}: invalid JSON at {}: {}", source, position(text, e.byte), e.what()));
  }
  if (!doc.is_object()) {
    throw InputError(
        fmt::format("{}: a scenario must be a JSON object, got {}", source, doc.type_name()));
  }
  const Fields top(doc, "", source);
  top.only({"name", "description", "workers", "load", "jobs", "service", "measure_from"});
  Scenario s;
  s.source = std::string(source);
  s.name = top.text("name");
  s.description = top.text("description");
  s.load = top.number(
      "load", std::nullopt, [](double v) { return v > 0.0 && v <= 10.0; }, "in (0, 10]");
  s.jobs = top.count("jobs", 1, kMaxJobs).value_or(s.jobs);
  const std::string service = top.has("service") ? top.text("service") : "exp";
  if (service == "exp") {
    s.service = ServiceDistribution::kExponential;
  } else if (service == "fixed") {
    s.service = ServiceDistribution::kFixed;
  } else {
    top.fail("service", fmt::format("must be \"exp\" or \"fixed\", got \"{}\"", service));
  }
  if (top.has("measure_from")) s.measure_from = top.count("measure_from", 0, s.jobs - 1);

  if (!top.has("workers")) top.fail("workers", "missing; it must be a non-empty array of objects");
  const json& workers = top.at("workers");
  if (!workers.is_array() || workers.empty()) {
    top.fail("workers",
             fmt::format("must be a non-empty array of objects, got {}", workers.dump()));
  }
  for (std::size_t i = 0; i < workers.size(); ++i) {
    const std::string path = fmt::format("workers[{}]", i);
    if (!workers[i].is_object()) {
      throw InputError(fmt::format("{}: field '{}': must be an object, got {}", source, path,
                                   workers[i].dump()));
    }
    const Fields f(workers[i], path, source);
    const std::uint64_t count = f.count("count", 1, kMaxWorkers).value_or(1);
    const SimWorkerSpec w = parse_worker(f, s.jobs);
    if (s.workers.size() + count > kMaxWorkers) {
      f.fail("count", fmt::format("makes more than {} workers in all", kMaxWorkers));
    }
    s.workers.insert(s.workers.end(), count, w);
  }
  return s;
}

Scenario load_scenario(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open scenario file", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("{}: cannot read scenario file", file.string()));
  return parse_scenario(text.str(), file.string());
}

}  // namespace opusperf::bench::balancesim
