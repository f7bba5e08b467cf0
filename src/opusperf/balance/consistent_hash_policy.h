// ConsistentHashPolicy ("consistent_hash"): a request's key (a video id) goes to the same worker
// every time, so that worker's cache for it stays warm.
//
// Each worker owns hash_ring_points x weight points on a 64-bit ring, at hashes of its name (so a
// worker's points do not depend on which other workers exist, or in what order they were added).
// A key goes to the owner of the first point at or after hash_key(key). A worker that joins takes
// over only the keys that now land on its points, about 1/n of them; one that leaves (or is
// ejected: not a candidate) hands its keys to the next points' owners and nobody else's move.
//
// Bounded loads (Mirrokni, Thorup and Zadimoghaddam 2018, as in HAProxy's hash-balance-factor): a
// worker already holding ceil(hash_balance_factor x (total load + 1) / candidates) requests is
// skipped and the walk goes on around the ring, so a hot key cannot pile its load on one worker.
// Requests without a key are balanced by least_loaded.
//
// Thread-safety: none (called under the balancer's lock). Cost: O(log points) to find the key's
// point plus O(log candidates) per point walked; the ring (O(points log points)) is rebuilt when
// a worker is added.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "opusperf/balance/least_loaded_policy.h"
#include "opusperf/balance/load_balancing_policy.h"

namespace opusperf {

class ConsistentHashPolicy final : public LoadBalancingPolicy {
 public:
  // REQUIRES: points_per_weight >= 1, balance_factor > 1.
  ConsistentHashPolicy(std::uint32_t points_per_weight, double balance_factor, std::uint64_t seed);
  std::string_view name() const override { return "consistent_hash"; }
  std::uint32_t choose(const PickRequest& request) override;

 private:
  void rebuild(std::span<const WorkerStats> workers);

  std::uint32_t points_per_weight_;
  double balance_factor_;
  LeastLoadedPolicy keyless_;
  std::vector<std::pair<std::uint64_t, std::uint32_t>> ring_;  // (point, worker), sorted
  std::size_t ring_workers_ = 0;  // how many workers ring_ was built for
};

}  // namespace opusperf
