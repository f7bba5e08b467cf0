// `opusperf bench balance`: the load-balancing simulator (bench/balance/simulator.h) run over a
// scenario file for one or more policies, with the oracle as yardstick. With --json, one object:
// {"scenario", "name", "seed", "jobs", "load", "results": [{"policy", "p50", "p99", "p999",
// "error_rate", "jobs_per_worker", "ejections", ...}, ..., {"policy": "oracle", ...}],
// "consistent_hash_key_movement" (when consistent_hash ran): {"moved_fraction", "bound", ...}}.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench/balance/key_movement.h"
#include "bench/balance/scenario.h"
#include "bench/balance/simulator.h"
#include "command_registry.h"
#include "opusperf/balance/load_balancing_policy.h"
#include "opusperf/core/errors.h"

namespace opusperf::cli {
namespace {

namespace sim = bench::balancesim;

// Keys placed to measure consistent_hash's key movement.
constexpr std::uint64_t kMovementKeys = 100000;

struct BalanceOptions {
  std::string scenario;
  std::string policies = "all";
  std::uint64_t seed = 1;
  bool json = false;
};

// Returns the policies named by --policy ("all" = every policy), then "oracle". Throws InputError
// for an unknown or repeated name.
std::vector<std::string> parse_policies(const std::string& list) {
  std::vector<std::string> out;
  if (list == "all") {
    for (const std::string_view p : balancing_policy_names())
      out.emplace_back(p);
  } else {
    std::size_t start = 0;
    while (start <= list.size()) {
      const std::size_t comma = std::min(list.find(',', start), list.size());
      const std::string name = list.substr(start, comma - start);
      if (name != "oracle") {
        BalancerConfig probe;
        probe.policy = name;
        make_balancing_policy(probe);  // throws InputError naming the policy and the valid ones
        if (std::find(out.begin(), out.end(), name) != out.end())
          throw InputError(fmt::format("bench balance: --policy names '{}' twice", name));
        out.push_back(name);
      }
      start = comma + 1;
    }
  }
  out.emplace_back("oracle");
  return out;
}

void print_table(const sim::Scenario& s, const std::vector<sim::SimResult>& results,
                 std::uint64_t seed) {
  std::cout << fmt::format("scenario {}{}: {} workers, load {:.2f}, {} jobs, seed {}\n", s.source,
                           s.name.empty() ? "" : " (" + s.name + ")", s.workers.size(), s.load,
                           s.jobs, seed);
  std::cout << "time in system of successful jobs, in mean service times (seconds)\n\n";
  std::cout << fmt::format("  {:<16} {:>8} {:>8} {:>9} {:>9} {:>9}  {:<8} {}\n", "policy", "p50",
                           "p99", "p99.9", "errors", "ejections", "stable", "jobs per worker");
  for (const sim::SimResult& r : results) {
    std::string per_worker;
    for (const sim::SimWorkerResult& w : r.workers)
      per_worker += fmt::format("{}{}", per_worker.empty() ? "" : " ", w.jobs);
    std::cout << fmt::format("  {:<16} {:>8.3f} {:>8.3f} {:>9.3f} {:>8.3f}% {:>9}  {:<8} {}\n",
                             r.policy, r.p50, r.p99, r.p999, 100.0 * r.error_rate, r.ejections,
                             r.unstable ? "UNSTABLE" : "yes", per_worker);
  }
}

int run_balance(const BalanceOptions& o) {
  const std::vector<std::string> policies = parse_policies(o.policies);
  const sim::Scenario scenario = sim::load_scenario(o.scenario);
  std::vector<sim::SimResult> results;
  for (const std::string& policy : policies) {
    std::cerr << fmt::format("bench balance: simulating {} ({} jobs)\n", policy, scenario.jobs);
    results.push_back(sim::simulate(scenario, policy, o.seed));
  }
  // Consistent hashing's other promise, measured for this scenario's worker count.
  std::optional<sim::KeyMovement> movement;
  if (std::find(policies.begin(), policies.end(), "consistent_hash") != policies.end())
    movement = sim::measure_key_movement(scenario.workers.size(), kMovementKeys);
  if (!o.json) {
    print_table(scenario, results, o.seed);
    if (movement) {
      std::cout << fmt::format(
          "\nconsistent_hash: adding worker {} to {} moves {} of {} keys ({:.2f}%, bound "
          "{:.2f}%), {} of them between old workers\n",
          movement->workers_before + 1, movement->workers_before, movement->moved, movement->keys,
          100.0 * movement->moved_fraction, 100.0 * movement->bound, movement->moved_elsewhere);
    }
    return kExitOk;
  }
  nlohmann::json out = {{"scenario", scenario.source},
                        {"name", scenario.name},
                        {"seed", o.seed},
                        {"jobs", scenario.jobs},
                        {"load", scenario.load},
                        {"workers", scenario.workers.size()},
                        {"results", nlohmann::json::array()}};
  for (const sim::SimResult& r : results)
    out["results"].push_back(sim::to_json(r, scenario));
  if (movement) out["consistent_hash_key_movement"] = sim::to_json(*movement);
  std::cout << out.dump(2) << "\n";
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_bench_suite({
    "balance",
    "Discrete-event simulation of the load-balancing policies over a scenario file",
    [](CLI::App& cmd, int& exit_code) {
      auto o = std::make_shared<BalanceOptions>();
      cmd.add_option("--scenario", o->scenario, "Scenario JSON file (bench/balance/scenarios/)")
          ->required();
      cmd.add_option("--policy", o->policies,
                     "Policies, comma-separated, or 'all'; the oracle is always added")
          ->capture_default_str();
      cmd.add_option("--seed", o->seed, "Random seed (same seed, same result)")
          ->capture_default_str();
      cmd.add_flag("--json", o->json, "Print one JSON object to stdout");
      cmd.callback([o, &exit_code] { exit_code = run_balance(*o); });
    },
});

}  // namespace
}  // namespace opusperf::cli
