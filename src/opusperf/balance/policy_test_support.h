// Test support for the policy tests: a set of WorkerStats with chosen loads and latencies, and a
// PickRequest over them.
#pragma once

#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "opusperf/balance/load_balancing_policy.h"

namespace opusperf::testing_support {

inline const Clock::time_point kT0 = Clock::time_point(std::chrono::seconds(1000));

struct Workers {
  std::vector<WorkerStats> stats;
  std::vector<std::uint32_t> candidates;

  // n workers named w0.. with the given weights (default 1), all candidates.
  explicit Workers(std::size_t n, std::vector<double> weights = {}) {
    for (std::size_t i = 0; i < n; ++i) {
      stats.emplace_back("w" + std::to_string(i), weights.empty() ? 1.0 : weights[i],
                         std::chrono::seconds(10));
      candidates.push_back(static_cast<std::uint32_t>(i));
    }
  }
  // Puts `n` tracked requests in flight on worker i.
  void load(std::uint32_t i, int n) {
    for (int k = 0; k < n; ++k)
      stats[i].on_dispatch(kT0, true);
  }
  // Gives worker i a latency estimate of `latency_s` and a service time of `service_s`.
  void learn(std::uint32_t i, double latency_s, double service_s) {
    const auto start =
        kT0 - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(service_s));
    stats[i].on_dispatch(start, true);
    stats[i].on_finish(kT0, latency_s, true, 0.0, 1.0);
  }
  PickRequest request(std::optional<std::uint64_t> key = std::nullopt) const {
    return PickRequest{.workers = stats, .candidates = candidates, .key = key, .now = kT0};
  }
};

}  // namespace opusperf::testing_support
