// RandomPolicy ("random"): a candidate at random, in proportion to its effective weight. The
// baseline that needs no state; it ignores load and latency entirely. See load_balancing_policy.h.
//
// Thread-safety: none (called under the balancer's lock). Cost: one draw when the weights are
// equal, O(candidates) otherwise.
#pragma once

#include <cstdint>

#include "opusperf/balance/load_balancing_policy.h"
#include "opusperf/balance/rng.h"

namespace opusperf {

class RandomPolicy final : public LoadBalancingPolicy {
 public:
  explicit RandomPolicy(std::uint64_t seed) : rng_(seed) {}
  std::string_view name() const override { return "random"; }
  std::uint32_t choose(const PickRequest& request) override;

 private:
  balance::Rng rng_;
};

}  // namespace opusperf
