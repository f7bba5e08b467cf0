#include "bench/cache/simulator.h"

#include <fmt/format.h>

#include "bench/cache/policy_factory.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {

std::uint64_t replay(SimPolicy& policy, std::span<const std::uint64_t> trace) {
  std::uint64_t hits = 0;
  for (const std::uint64_t key : trace)
    hits += policy.access(key) ? 1 : 0;
  return hits;
}

std::vector<SimResult> simulate(std::span<const std::uint64_t> trace,
                                std::span<const std::string> policies,
                                std::span<const std::size_t> capacities) {
  if (policies.empty()) throw InputError("cache simulation: name at least one policy");
  if (capacities.empty()) throw InputError("cache simulation: give at least one capacity");
  for (const std::string& name : policies)
    check_policy_name(name);
  for (const std::size_t capacity : capacities)
    check_capacity(capacity);

  std::vector<SimResult> results;
  results.reserve(policies.size() * capacities.size());
  for (const std::size_t capacity : capacities) {
    for (const std::string& name : policies) {
      auto policy = make_policy(name, capacity, trace);
      results.push_back({name, capacity, trace.size(), replay(*policy, trace)});
    }
  }
  return results;
}

}  // namespace opusperf::bench::cachesim
