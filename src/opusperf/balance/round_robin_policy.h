// RoundRobinPolicy ("round_robin"): each candidate in proportion to its effective weight, spread
// as evenly as possible (nginx's smooth weighted round robin: weights 5, 1, 1 give a a b a c a a,
// not a a a a a b c). With equal weights it is plain round robin. See load_balancing_policy.h.
//
// Thread-safety: none (called under the balancer's lock). Cost: O(candidates) a pick.
#pragma once

#include <vector>

#include "opusperf/balance/load_balancing_policy.h"

namespace opusperf {

class RoundRobinPolicy final : public LoadBalancingPolicy {
 public:
  std::string_view name() const override { return "round_robin"; }
  std::uint32_t choose(const PickRequest& request) override;

 private:
  // Each worker's credit: every pick adds each candidate's weight, and the chosen one (the most
  // credit) pays back the total. A worker that is not a candidate keeps its credit meanwhile.
  std::vector<double> credit_;
};

}  // namespace opusperf
