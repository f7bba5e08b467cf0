#include "opusperf/balance/random_policy.h"

namespace opusperf {

std::uint32_t RandomPolicy::choose(const PickRequest& request) {
  const auto& candidates = request.candidates;
  double total = 0.0;
  bool equal = true;
  const double first = request.workers[candidates.front()].effective_weight();
  for (const std::uint32_t c : candidates) {
    const double w = request.workers[c].effective_weight();
    total += w;
    equal = equal && w == first;
  }
  if (equal) return candidates[rng_.below(candidates.size())];
  double u = rng_.uniform() * total;
  for (const std::uint32_t c : candidates) {
    u -= request.workers[c].effective_weight();
    if (u < 0.0) return c;
  }
  return candidates.back();  // u landed on the rounding error at the very end
}

}  // namespace opusperf
