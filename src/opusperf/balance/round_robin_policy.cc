#include "opusperf/balance/round_robin_policy.h"

namespace opusperf {

std::uint32_t RoundRobinPolicy::choose(const PickRequest& request) {
  if (credit_.size() < request.workers.size()) credit_.resize(request.workers.size(), 0.0);
  double total = 0.0;
  std::uint32_t best = request.candidates.front();
  for (const std::uint32_t c : request.candidates) {
    const double w = request.workers[c].effective_weight();
    credit_[c] += w;
    total += w;
    if (credit_[c] > credit_[best]) best = c;
  }
  credit_[best] -= total;
  return best;
}

}  // namespace opusperf
