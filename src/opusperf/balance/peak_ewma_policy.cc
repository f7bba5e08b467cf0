#include "opusperf/balance/peak_ewma_policy.h"

#include <utility>

#include "opusperf/balance/two_choices.h"

namespace opusperf {

std::uint32_t PeakEwmaPolicy::choose(const PickRequest& request) {
  const auto [a, b] = two_choices(request.candidates, rng_);
  // (expected latency cost, load per weight): compared in that order.
  const auto cost = [&](std::uint32_t i) {
    const WorkerStats& w = request.workers[i];
    const double latency = w.has_latency() ? w.latency(request.now) : request.typical_latency;
    const double queue = (w.load() + 1.0) / w.effective_weight();
    return std::pair{latency * queue, queue};
  };
  return cost(b) < cost(a) ? b : a;
}

}  // namespace opusperf
