// `opusperf bench cache`: the trace-driven cache simulator (bench/cache). Two modes:
//
//   --trace FILE --capacity N[,N...] [--policy P[,P...]]   hit ratio per (policy, capacity)
//   --reference REFERENCE.md [--policy P[,P...]]           every row of a reference table: hit
//       ratios, the row's best online policy and each policy's shortfall, then per policy the
//       mean and worst shortfall and the largest gap to the policy's own reference column
//
// With --json, one JSON object on stdout; otherwise tables. Progress goes to stderr.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/cache/policy_factory.h"
#include "bench/cache/reference_evaluation.h"
#include "bench/cache/simulator.h"
#include "bench/cache/trace_reader.h"
#include "command_registry.h"
#include "opusperf/core/errors.h"

namespace opusperf::cli {
namespace {

namespace cachesim = bench::cachesim;
using cachesim::PolicySummary;
using cachesim::ReferenceEvaluation;
using cachesim::RowEvaluation;
using cachesim::SimResult;
// Keys in the order written, so the output reads as documented: trace, requests, results.
using Json = nlohmann::ordered_json;

struct CacheOptions {
  std::string trace;
  std::string reference;
  std::vector<std::size_t> capacities;
  std::vector<std::string> policies;
  bool json = false;
};

std::vector<std::string> default_policies() {
  std::vector<std::string> names;
  for (std::string_view n : cachesim::policy_names())
    names.emplace_back(n);
  return names;
}

// Rounds a ratio for JSON output: enough digits for a hit counted on a million requests.
double rounded(double x, double scale) {
  return std::round(x * scale) / scale;
}

int run_trace(const CacheOptions& o) {
  if (o.capacities.empty()) throw InputError("bench cache: --trace needs --capacity N[,N...]");
  for (const std::size_t capacity : o.capacities)
    cachesim::check_capacity(capacity);
  for (const std::string& name : o.policies)
    cachesim::check_policy_name(name);
  const std::vector<std::uint64_t> trace = cachesim::read_trace(o.trace);
  std::cerr << fmt::format("bench cache: {} requests from {}\n", trace.size(), o.trace);
  const std::vector<SimResult> results = cachesim::simulate(trace, o.policies, o.capacities);

  if (o.json) {
    Json out = {{"trace", o.trace}, {"requests", trace.size()}};
    out["results"] = Json::array();
    for (const SimResult& r : results)
      out["results"].push_back({{"policy", r.policy},
                                {"capacity", r.capacity},
                                {"hits", r.hits},
                                {"hit_ratio", rounded(r.hit_ratio(), 1e6)}});
    std::cout << out.dump(1) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("trace {} ({} requests): hit ratio %\n", o.trace, trace.size());
  std::cout << fmt::format("{:>10}", "capacity");
  for (const std::string& p : o.policies)
    std::cout << fmt::format(" {:>9}", p);
  std::cout << "\n";
  for (std::size_t c = 0; c < o.capacities.size(); ++c) {
    std::cout << fmt::format("{:>10}", o.capacities[c]);
    for (std::size_t p = 0; p < o.policies.size(); ++p)
      std::cout << fmt::format(" {:>9.2f}", 100 * results[c * o.policies.size() + p].hit_ratio());
    std::cout << "\n";
  }
  return kExitOk;
}

Json to_json(const ReferenceEvaluation& e) {
  Json rows = Json::array();
  for (const RowEvaluation& r : e.rows) {
    Json policies = Json::array();
    for (const auto& p : r.policies) {
      Json j = {{"policy", p.policy},
                {"hit_ratio", rounded(p.hit_ratio / 100, 1e6)},
                {"shortfall_points", rounded(p.shortfall, 1e4)}};
      j["reference_hit_ratio"] = p.reference ? Json(rounded(*p.reference / 100, 1e6)) : nullptr;
      policies.push_back(std::move(j));
    }
    rows.push_back({{"trace", r.row.trace},
                    {"capacity", r.row.capacity},
                    {"requests", r.trace_requests},
                    {"table_requests", r.row.requests},
                    {"best_online_hit_ratio", rounded(r.row.best_online / 100, 1e6)},
                    {"policies", std::move(policies)}});
  }
  Json summaries = Json::array();
  for (const PolicySummary& s : e.summaries) {
    Json j = {{"policy", s.policy},
              {"rows", s.rows},
              {"mean_shortfall_points", rounded(s.mean_shortfall, 1e4)},
              {"worst_shortfall_points", rounded(s.worst_shortfall, 1e4)},
              {"worst_row", {{"trace", s.worst_trace}, {"capacity", s.worst_capacity}}}};
    j["max_reference_gap_points"] =
        s.max_reference_gap ? Json(rounded(*s.max_reference_gap, 1e4)) : nullptr;
    summaries.push_back(std::move(j));
  }
  return {{"reference", e.table_path},
          {"rows", std::move(rows)},
          {"summary", std::move(summaries)},
          {"missing_traces", e.missing_traces}};
}

void print_table(const ReferenceEvaluation& e, std::ostream& out) {
  out << fmt::format(
      "reference {}: hit ratio % (reference value in brackets), shortfall = best "
      "online - hit ratio\n",
      e.table_path);
  out << fmt::format("{:<9} {:>8} {:>7}", "trace", "capacity", "best");
  for (const PolicySummary& s : e.summaries)
    out << fmt::format(" {:>16} {:>7}", s.policy, "short");
  out << "\n";
  for (const RowEvaluation& r : e.rows) {
    out << fmt::format("{:<9} {:>8} {:>7.1f}", r.row.trace, r.row.capacity, r.row.best_online);
    for (const auto& p : r.policies) {
      const std::string ref = p.reference ? fmt::format(" ({:.1f})", *p.reference) : "";
      out << fmt::format(" {:>16} {:>7.2f}", fmt::format("{:.2f}{}", p.hit_ratio, ref),
                         p.shortfall);
    }
    out << "\n";
  }
  out << "\n";
  for (const PolicySummary& s : e.summaries) {
    out << fmt::format("{:<9} rows {:>3}  mean shortfall {:>6.2f}  worst {:>6.2f} ({} @ {})",
                       s.policy, s.rows, s.mean_shortfall, s.worst_shortfall, s.worst_trace,
                       s.worst_capacity);
    if (s.max_reference_gap)
      out << fmt::format("  max |hit - reference| {:.2f}", *s.max_reference_gap);
    out << "\n";
  }
  if (!e.missing_traces.empty())
    out << fmt::format("skipped (no trace file): {}\n", fmt::join(e.missing_traces, ", "));
}

int run_reference(const CacheOptions& o) {
  if (!o.capacities.empty())
    throw InputError("bench cache: --capacity goes with --trace; --reference uses each row's");
  const cachesim::ReferenceTable table = cachesim::read_reference_table(o.reference);
  const ReferenceEvaluation e = cachesim::evaluate_reference(table, o.policies);
  std::string noted;  // one note a trace, not a row
  for (const RowEvaluation& r : e.rows) {
    if (r.trace_requests == r.row.requests || r.trace_path == noted) continue;
    noted = r.trace_path;
    std::cerr << fmt::format("bench cache: note: {} has {} requests, the table says {}\n",
                             r.trace_path, r.trace_requests, r.row.requests);
  }
  if (o.json) {
    std::cout << to_json(e).dump(1) << "\n";
  } else {
    print_table(e, std::cout);
  }
  return kExitOk;
}

int run_cache(CacheOptions o) {
  if (o.trace.empty() == o.reference.empty())
    throw InputError("bench cache: give exactly one of --trace FILE or --reference FILE");
  if (o.policies.empty()) o.policies = default_policies();
  return o.trace.empty() ? run_reference(o) : run_trace(o);
}

[[maybe_unused]] const bool kRegistered = register_bench_suite({
    "cache",
    "Trace-driven cache simulator: hit ratio per policy and capacity",
    [](CLI::App& cmd, int& exit_code) {
      auto o = std::make_shared<CacheOptions>();
      cmd.add_option("--trace", o->trace, "Trace file: one integer key per line, plain or .gz");
      cmd.add_option("--reference", o->reference,
                     "Reference table (REFERENCE.md): run every row whose trace is beside it");
      cmd.add_option("--capacity", o->capacities, "Capacities in entries, e.g. 126,252")
          ->delimiter(',');
      cmd.add_option(
             "--policy", o->policies,
             fmt::format("Policies (default: all): {}", fmt::join(cachesim::policy_names(), ",")))
          ->delimiter(',');
      cmd.add_flag("--json", o->json, "Print one JSON object to stdout");
      cmd.callback([o, &exit_code] { exit_code = run_cache(*o); });
    },
});

}  // namespace
}  // namespace opusperf::cli
