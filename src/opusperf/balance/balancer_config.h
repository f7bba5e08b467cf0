// BalancerConfig and HealthConfig: every setting of a LoadBalancer, with its default.
//
// The defaults are the ones the best proxies ship: Envoy's outlier detection (5 consecutive errors,
// 30 s base ejection growing with each ejection up to 300 s, at most 10% of the workers ejected,
// success-rate outliers at mean - 1.9 stdev, panic below 50% healthy, slow start from 10% weight)
// and Finagle/Linkerd's peak-EWMA latency with a 10 s decay. Each default is documented here, where
// it is declared, and nowhere else. OptimizationConfig (core/config.h) picks the policy
// (load_balancing_strategy) and the pool size (max_workers); the rest start from these defaults.
//
// Thread-safety: plain value types; a LoadBalancer copies its config at construction.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace opusperf {

// When a worker is kept out of rotation, and how it comes back.
struct HealthConfig {
  using Duration = std::chrono::milliseconds;

  // Errors in a row (in dispatch order) that eject a worker. 0 turns this detector off.
  std::uint32_t consecutive_errors = 5;
  // An ejection lasts base_ejection_time x (times ejected), at most max_ejection_time. Each
  // base_ejection_time a worker then stays healthy takes one off its count. Both > 0.
  Duration base_ejection_time = std::chrono::seconds(30);
  Duration max_ejection_time = std::chrono::seconds(300);
  // At most this share of the workers (0 .. 100) is ejected at once, but always at least one.
  double max_ejection_percent = 10.0;
  // Below this share of healthy workers (0 .. 100) the balancer panics and routes to every worker,
  // ejected or not: better to load sick workers than to overload the few healthy ones.
  double panic_threshold_percent = 50.0;

  // Success-rate outliers (Envoy's success_rate detector), checked every success_rate_interval over
  // that interval's outcomes: among the workers with at least success_rate_request_volume
  // outcomes, if there are at least success_rate_min_workers of them, a worker whose success rate
  // is below mean - success_rate_stdev_factor x stdev is ejected. Interval 0 turns it off.
  Duration success_rate_interval = std::chrono::seconds(10);
  std::uint32_t success_rate_min_workers = 5;
  std::uint32_t success_rate_request_volume = 100;
  double success_rate_stdev_factor = 1.9;

  // A worker whose ejection has run out is on probation: it takes one request at a time, and that
  // request's outcome returns it (success) or ejects it again at once (error), as Finagle's failure
  // accrual probes a dead endpoint. Once returned, and for workers added to a balancer already in
  // use, its weight ramps over slow_start_window from slow_start_min_weight_percent of its weight:
  // factor = max(min / 100, (elapsed / window) ^ (1 / slow_start_aggression)). Window 0 turns slow
  // start off. min in (0, 100]; aggression > 0 (1 = linear, larger = faster early).
  Duration slow_start_window = std::chrono::seconds(30);
  double slow_start_min_weight_percent = 10.0;
  double slow_start_aggression = 1.0;
};

// A LoadBalancer's settings.
struct BalancerConfig {
  using Duration = std::chrono::milliseconds;

  // Names the balancer in metric labels ("pool") and logs. Not empty.
  std::string name = "default";
  // The policy: round_robin, random, least_loaded, peak_ewma, adaptive or consistent_hash (see
  // load_balancing_policy.h). OptimizationConfig::load_balancing_strategy in a service.
  std::string policy = "least_loaded";
  // Seeds the policy's random choices (random, the two choices of least_loaded and peak_ewma).
  std::uint64_t seed = 0x5eed;
  HealthConfig health;

  // Time constant of each worker's peak-EWMA latency: a new peak counts at once, lower samples pull
  // it down with weight 1 - exp(-dt / tau), and it decays toward zero while no sample comes (so an
  // idle worker is tried again). > 0.
  Duration latency_decay = std::chrono::seconds(10);
  // An error counts in a worker's latency as at least this multiple of the balancer's typical
  // (EWMA of successful) latency, so a worker that fails fast does not look fast. >= 1.
  double error_penalty_factor = 10.0;
  // Weight of each new sample in a worker's service-time estimate (busy time per completion, the
  // adaptive policy's input): an EWMA over samples. In (0, 1].
  double service_time_smoothing = 0.1;
  // consistent_hash: ring points per unit of weight (Ketama's 160), and the bounded-load factor: no
  // worker takes more than ceil(factor x mean load), walking the ring past full ones (Mirrokni,
  // Thorup and Zadimoghaddam 2018). Points >= 1; factor > 1.
  std::uint32_t hash_ring_points = 160;
  double hash_balance_factor = 1.25;
  // Most requests a worker has in flight before it is skipped; 0 = no limit. When every worker is
  // at its limit, pick() returns an empty Assignment (WorkerPool::submit then waits).
  std::uint32_t max_in_flight_per_worker = 0;
};

// Throws std::invalid_argument naming the first field out of its documented range.
void validate(const BalancerConfig& config);

}  // namespace opusperf
