// PeakEwmaPolicy ("peak_ewma"): power of two choices on expected latency, as Finagle and Linkerd
// balance. Two random candidates; each costs its peak-EWMA latency x (load + 1) / effective
// weight, and the cheaper wins (on equal cost, the less loaded; then the first drawn). A worker
// with no latency yet is costed at the balancer's typical latency. Errors enter the latency as a
// penalty (BalancerConfig::error_penalty_factor), so a worker that fails fast looks expensive, not
// quick. See load_balancing_policy.h and peak_ewma.h.
//
// Thread-safety: none (called under the balancer's lock). Cost: two draws and two exp() a pick.
#pragma once

#include <cstdint>

#include "opusperf/balance/load_balancing_policy.h"
#include "opusperf/balance/rng.h"

namespace opusperf {

class PeakEwmaPolicy final : public LoadBalancingPolicy {
 public:
  explicit PeakEwmaPolicy(std::uint64_t seed) : rng_(seed) {}
  std::string_view name() const override { return "peak_ewma"; }
  std::uint32_t choose(const PickRequest& request) override;

 private:
  balance::Rng rng_;
};

}  // namespace opusperf
