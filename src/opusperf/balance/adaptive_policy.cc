#include "opusperf/balance/adaptive_policy.h"

#include <algorithm>

namespace opusperf {

double AdaptivePolicy::score(const PickRequest& request, std::uint32_t i) {
  const WorkerStats& w = request.workers[i];
  double fallback = request.typical_service_time;
  if (fallback <= 0.0) fallback = request.typical_latency;
  if (fallback <= 0.0) fallback = 1.0;
  const double s = w.service_time() > 0.0 ? w.service_time() : fallback;
  const double r = w.has_latency() ? w.latency(request.now) : s;
  const double q = w.load() + 1.0;
  const double predicted = std::max(0.0, r - s) + q * q * q * s;
  return predicted * (w.weight() / w.effective_weight());
}

std::uint32_t AdaptivePolicy::choose(const PickRequest& request) {
  std::uint32_t best = request.candidates.front();
  double best_score = score(request, best);
  std::uint64_t ties = 1;
  for (std::size_t k = 1; k < request.candidates.size(); ++k) {
    const std::uint32_t c = request.candidates[k];
    const double sc = score(request, c);
    if (sc < best_score) {
      best = c;
      best_score = sc;
      ties = 1;
    } else if (sc == best_score && rng_.below(++ties) == 0) {
      best = c;  // reservoir sampling: each of the tied workers equally likely
    }
  }
  return best;
}

}  // namespace opusperf
