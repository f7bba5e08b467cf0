// LoadBalancingPolicy: how a LoadBalancer chooses a worker, one class a policy, chosen by name.
//
//   std::unique_ptr<LoadBalancingPolicy> p = make_balancing_policy(config);   // config.policy =
//   "adaptive" std::uint32_t w = p->choose(request);                            // one of
//   request.candidates
//
// The policies (Envoy's and Finagle's, and C3's ranking):
//   round_robin      weighted, smooth: each worker in proportion to its weight, spread out
//                    (nginx's smooth weighted round robin, which EDF scheduling also yields).
//   random           a worker at random, in proportion to weight.
//   least_loaded     power of two choices on load: two random workers, the less loaded per weight.
//   peak_ewma        power of two choices on peak-EWMA latency x (load + 1) / weight, errors
//                    counted as a latency penalty.
//   adaptive         C3-style ranking of every worker by predicted completion time: its queue
//                    (load + 1) cubed times its service-time estimate, plus the latency it shows
//                    beyond its service time.
//   consistent_hash  a key sticks to one worker (a ring of hashed points, Ketama-style), so its
//                    cache stays warm; few keys move when workers join or leave; no worker takes
//                    more than hash_balance_factor x the mean load (bounded loads).
//
// A policy sees only what production code sees: the WorkerStats the balancer keeps from pick(),
// done() and update_worker_stats(). Health is not its concern: the balancer passes only the
// workers it may use now (candidates) with their slow-start weights.
//
// Thread-safety: none; the LoadBalancer calls its policy under its lock. Cost: O(1) for
// random (equal weights), least_loaded and peak_ewma; O(candidates) for round_robin and adaptive;
// O(log ring) plus the skipped points for consistent_hash.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "opusperf/balance/balancer_config.h"
#include "opusperf/balance/worker_stats.h"
#include "opusperf/core/clock.h"

namespace opusperf {

// What a policy chooses from.
struct PickRequest {
  // Every worker of the balancer, by index.
  std::span<const WorkerStats> workers;
  // Indices into `workers` the policy may choose from: non-empty, increasing.
  std::span<const std::uint32_t> candidates;
  // hash_key() of the request's key, when it has one.
  std::optional<std::uint64_t> key;
  Clock::time_point now;
  // Seconds: the balancer's EWMA of successful latencies, and the mean service-time estimate of
  // the workers that have one; 0 when nothing is known yet. Stand-ins for a worker's own unknowns.
  double typical_latency = 0.0;
  double typical_service_time = 0.0;
};

class LoadBalancingPolicy {
 public:
  virtual ~LoadBalancingPolicy() = default;
  // Returns the name the policy is chosen by.
  virtual std::string_view name() const = 0;
  // Returns the chosen worker: an element of request.candidates.
  // REQUIRES: request.candidates is non-empty and indexes request.workers.
  virtual std::uint32_t choose(const PickRequest& request) = 0;
};

// Returns the names make_balancing_policy() accepts, in the order documented above.
std::span<const std::string_view> balancing_policy_names();

// Returns a new policy of kind config.policy, seeded with config.seed.
// Throws InputError (naming the policy, the valid names and the closest one) for an unknown name.
std::unique_ptr<LoadBalancingPolicy> make_balancing_policy(const BalancerConfig& config);

}  // namespace opusperf
