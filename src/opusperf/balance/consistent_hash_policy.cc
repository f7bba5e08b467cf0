#include "opusperf/balance/consistent_hash_policy.h"

#include <algorithm>
#include <cmath>

#include "opusperf/balance/hash.h"

namespace opusperf {

ConsistentHashPolicy::ConsistentHashPolicy(std::uint32_t points_per_weight, double balance_factor,
                                           std::uint64_t seed)
    : points_per_weight_(points_per_weight), balance_factor_(balance_factor), keyless_(seed) {}

void ConsistentHashPolicy::rebuild(std::span<const WorkerStats> workers) {
  ring_.clear();
  for (std::uint32_t w = 0; w < workers.size(); ++w) {
    const std::uint64_t name_hash = balance::hash_key(workers[w].name());
    const auto points = static_cast<std::uint64_t>(
        std::max(1.0, std::round(points_per_weight_ * workers[w].weight())));
    for (std::uint64_t p = 0; p < points; ++p)
      ring_.emplace_back(balance::mix64(name_hash ^ balance::mix64(p)), w);
  }
  std::sort(ring_.begin(), ring_.end());
  ring_workers_ = workers.size();
}

std::uint32_t ConsistentHashPolicy::choose(const PickRequest& request) {
  if (!request.key) return keyless_.choose(request);
  if (ring_workers_ != request.workers.size()) rebuild(request.workers);
  const auto& candidates = request.candidates;
  double total_load = 0.0;
  for (const std::uint32_t c : candidates)
    total_load += request.workers[c].load();
  const double capacity =
      std::ceil(balance_factor_ * (total_load + 1.0) / static_cast<double>(candidates.size()));

  auto it = std::lower_bound(ring_.begin(), ring_.end(),
                             std::pair<std::uint64_t, std::uint32_t>{*request.key, 0});
  std::uint32_t first_candidate = candidates.front();
  bool seen_candidate = false;
  for (std::size_t step = 0; step < ring_.size(); ++step, ++it) {
    if (it == ring_.end()) it = ring_.begin();
    const std::uint32_t w = it->second;
    if (!std::binary_search(candidates.begin(), candidates.end(), w)) continue;
    if (request.workers[w].load() < capacity) return w;
    if (!seen_candidate) first_candidate = w;
    seen_candidate = true;
  }
  // Every candidate is at capacity: cannot happen while capacity exceeds the mean load, but keep
  // the key's own worker rather than fail.
  return first_candidate;
}

}  // namespace opusperf
