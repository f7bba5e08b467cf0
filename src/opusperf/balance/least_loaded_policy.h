// LeastLoadedPolicy ("least_loaded"): power of two choices on load. Two random candidates; the one
// with the smaller (load + 1) / effective weight wins, the first drawn on a tie. Load is what the
// balancer counts in flight plus any reported load. Knows nothing of speed: a slow worker with a
// short queue still wins. See load_balancing_policy.h and two_choices.h.
//
// Thread-safety: none (called under the balancer's lock). Cost: two draws a pick.
#pragma once

#include <cstdint>

#include "opusperf/balance/load_balancing_policy.h"
#include "opusperf/balance/rng.h"

namespace opusperf {

class LeastLoadedPolicy final : public LoadBalancingPolicy {
 public:
  explicit LeastLoadedPolicy(std::uint64_t seed) : rng_(seed) {}
  std::string_view name() const override { return "least_loaded"; }
  std::uint32_t choose(const PickRequest& request) override;

 private:
  balance::Rng rng_;
};

}  // namespace opusperf
