#include "opusperf/balance/load_balancing_policy.h"

#include <fmt/format.h>

#include <array>

#include "opusperf/balance/adaptive_policy.h"
#include "opusperf/balance/consistent_hash_policy.h"
#include "opusperf/balance/least_loaded_policy.h"
#include "opusperf/balance/peak_ewma_policy.h"
#include "opusperf/balance/random_policy.h"
#include "opusperf/balance/round_robin_policy.h"
#include "opusperf/core/errors.h"
#include "opusperf/core/string_distance.h"

namespace opusperf {
namespace {

constexpr std::array<std::string_view, 6> kPolicyNames = {
    "round_robin", "random", "least_loaded", "peak_ewma", "adaptive", "consistent_hash"};

}  // namespace

std::span<const std::string_view> balancing_policy_names() {
  return kPolicyNames;
}

std::unique_ptr<LoadBalancingPolicy> make_balancing_policy(const BalancerConfig& config) {
  const std::string_view name = config.policy;
  if (name == "round_robin") return std::make_unique<RoundRobinPolicy>();
  if (name == "random") return std::make_unique<RandomPolicy>(config.seed);
  if (name == "least_loaded") return std::make_unique<LeastLoadedPolicy>(config.seed);
  if (name == "peak_ewma") return std::make_unique<PeakEwmaPolicy>(config.seed);
  if (name == "adaptive") return std::make_unique<AdaptivePolicy>(config.seed);
  if (name == "consistent_hash") {
    return std::make_unique<ConsistentHashPolicy>(config.hash_ring_points,
                                                  config.hash_balance_factor, config.seed);
  }
  const auto guess = closest_match(name, kPolicyNames);
  throw InputError(fmt::format("unknown load-balancing policy '{}'{}; policies are: {}", name,
                               guess ? fmt::format(" (did you mean '{}'?)", *guess) : "",
                               fmt::join(kPolicyNames, ", ")));
}

}  // namespace opusperf
