#include "opusperf/balance/least_loaded_policy.h"

#include "opusperf/balance/two_choices.h"

namespace opusperf {

std::uint32_t LeastLoadedPolicy::choose(const PickRequest& request) {
  const auto [a, b] = two_choices(request.candidates, rng_);
  const auto cost = [&](std::uint32_t i) {
    const WorkerStats& w = request.workers[i];
    return (w.load() + 1.0) / w.effective_weight();
  };
  return cost(b) < cost(a) ? b : a;
}

}  // namespace opusperf
