// AdaptivePolicy ("adaptive"): ranks every candidate by its predicted completion time for a new
// request, after C3 (Suresh et al., NSDI 2015), and takes the best.
//
//   score = max(0, R - s) + (load + 1)^3 x s,   divided by the slow-start factor
//
// s is the worker's service-time estimate (busy time per completion; WorkerStats), so
// (load + 1) x s is when a new request would finish behind the ones already there; R is its
// peak-EWMA latency, and R - s the waiting the worker has shown beyond its service time (queueing
// we cannot see, or the error penalty). Raising the queue term to the third power, as C3 does,
// makes a long queue cost more than its linear share, so a worker whose service estimate is a
// little optimistic does not collect a queue. A worker with no estimate yet uses the balancer's
// typical service time (else its typical latency, else 1 s: the ranking then is by load). Ties go
// to a random one of the tied workers.
//
// Unlike the power-of-two policies it learns each worker's speed, so a slow worker gets work only
// when the fast ones' queues make waiting for them slower still. See load_balancing_policy.h.
//
// Thread-safety: none (called under the balancer's lock). Cost: O(candidates) and one exp() per
// candidate a pick (about 20 ns a worker).
#pragma once

#include <cstdint>

#include "opusperf/balance/load_balancing_policy.h"
#include "opusperf/balance/rng.h"

namespace opusperf {

class AdaptivePolicy final : public LoadBalancingPolicy {
 public:
  explicit AdaptivePolicy(std::uint64_t seed) : rng_(seed) {}
  std::string_view name() const override { return "adaptive"; }
  std::uint32_t choose(const PickRequest& request) override;

  // Returns worker i's score (lower is better). Exposed for tests.
  static double score(const PickRequest& request, std::uint32_t i);

 private:
  balance::Rng rng_;
};

}  // namespace opusperf
