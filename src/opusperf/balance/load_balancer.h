// LoadBalancer: spreads requests over a set of weighted workers (threads, processes, GPUs, remote
// hosts), measures every assignment and keeps sick workers out.
//
//   Registry metrics;
//   LoadBalancer lb(BalancerConfig{.policy = "peak_ewma"}, metrics);
//   lb.add_worker({"gpu-0"});
//   lb.add_worker({"gpu-1", /*weight=*/2.0});
//   {
//     Assignment a = lb.pick("video-1234");   // in flight on a.worker() until done()
//     bool ok = run_on(a.worker(), job);
//     a.done(ok);                              // latency = now - pick time; outcome feeds health
//   }
//   // The seed's API, for callers that track load themselves:
//   std::uint32_t w = lb.get_next_worker();
//   lb.update_worker_stats(w, /*load=*/3, /*response_time=*/120ms, /*error=*/false);
//
// The balancer keeps WorkerStats for each worker (load, peak-EWMA latency, service time), asks its
// HealthTracker who may be picked (ejection, probation, slow start, panic) and its
// LoadBalancingPolicy (chosen by BalancerConfig::policy) which of those to pick. All time comes
// from the injected Clock, so the simulator (bench/balance) drives these same classes with
// simulated time. Health events are counted in the Registry, logged (spdlog, info; panic at warn),
// kept (the last kRecentEvents) for the report, and passed to an optional listener.
//
// Metrics (labels pool = BalancerConfig::name, worker = worker name):
//   opusperf_balance_requests_total, opusperf_balance_errors_total,
//   opusperf_balance_ejections_total (counters), opusperf_balance_in_flight,
//   opusperf_balance_share_percent (gauges; shares are refreshed by snapshot()),
//   opusperf_balance_latency_ns (histogram of successful requests, pick to done); and per pool
//   opusperf_balance_health_events_total{pool, event}, opusperf_balance_panic (0/1).
// Two balancers in one Registry need different names, or they share these series.
//
// Thread-safety: every method may be called from many threads. One mutex guards the state; a pick
// or a done() holds it for the policy's choice and the bookkeeping. Cost: a pick() plus its done()
// take 120-210 ns of CPU with 8 workers, by policy (BM_BalancerPickDone in
// load_balancer_benchmark.cc); a pick is O(workers) for the slow-start refresh. The listener and
// the health probe run without the lock. Workers are only added, never removed (one that leaves is
// ejected or drained by its owner). Not copyable or movable: Assignments point at it. It must
// outlive every Assignment it hands out.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/balance/balancer_config.h"
#include "opusperf/balance/balancer_snapshot.h"
#include "opusperf/balance/health_tracker.h"
#include "opusperf/balance/load_balancing_policy.h"
#include "opusperf/balance/worker_stats.h"
#include "opusperf/core/clock.h"
#include "opusperf/monitor/metric_registry.h"

namespace opusperf {

class LoadBalancer;

// A worker to add: its name (unique within the balancer; empty = "worker-<index>") and weight.
struct WorkerSpec {
  std::string name;
  double weight = 1.0;  // > 0; relative capacity
};

// One request's assignment to a worker, from pick() until done(). Move-only. Destroying it without
// done() (the request was abandoned) takes it out of the worker's load and records no outcome.
class Assignment {
 public:
  // An empty assignment (no worker).
  Assignment() = default;
  Assignment(Assignment&& other) noexcept;
  Assignment& operator=(Assignment&& other) noexcept;
  Assignment(const Assignment&) = delete;
  Assignment& operator=(const Assignment&) = delete;
  ~Assignment();

  // Returns whether this holds a worker (pick() returns an empty one only when it has none to
  // give).
  explicit operator bool() const { return lb_ != nullptr; }
  // Returns the worker's index. REQUIRES: *this is not empty.
  std::uint32_t worker() const { return worker_; }
  // Returns when the request was picked (by the balancer's clock).
  Clock::time_point dispatched_at() const { return dispatched_; }
  // Records the outcome: latency now - dispatched_at(), success or error. Afterwards *this is
  // empty. REQUIRES: *this is not empty.
  void done(bool ok);

 private:
  friend class LoadBalancer;
  Assignment(LoadBalancer* lb, std::uint32_t worker, Clock::time_point dispatched)
      : lb_(lb), worker_(worker), dispatched_(dispatched) {}

  LoadBalancer* lb_ = nullptr;
  std::uint32_t worker_ = 0;
  Clock::time_point dispatched_{};
};

class LoadBalancer {
 public:
  using EventListener = std::function<void(const HealthEvent&)>;
  // Returns whether `worker` answers its health check. May block (it runs without the lock).
  using HealthProbe = std::function<bool(std::uint32_t worker)>;

  // How many health events snapshot() keeps.
  static constexpr std::size_t kRecentEvents = 64;

  // REQUIRES: validate(config) passes (throws std::invalid_argument) and config.policy is a policy
  // name (throws InputError). `metrics` and `clock` must outlive the balancer.
  LoadBalancer(BalancerConfig config, Registry& metrics, Clock& clock = SteadyClock::instance());
  LoadBalancer(const LoadBalancer&) = delete;
  LoadBalancer& operator=(const LoadBalancer&) = delete;

  // Adds a worker and returns its index (0, 1, ... in order of addition). A worker added after the
  // first pick starts in slow start. REQUIRES: spec.weight > 0 and finite (throws
  // std::invalid_argument); the name is not already used (throws std::invalid_argument).
  std::uint32_t add_worker(WorkerSpec spec);
  // Returns the number of workers.
  std::size_t size() const;

  // Picks a worker for a request and counts it in flight there until the Assignment is done or
  // destroyed. Returns an empty Assignment when there are no workers, or when every worker is at
  // BalancerConfig::max_in_flight_per_worker. With a key, consistent_hash sends equal keys to the
  // same worker; other policies ignore it.
  Assignment pick();
  Assignment pick(std::string_view key);
  // As pick(key), with the key already hashed by hash_key() (hash.h).
  Assignment pick_hashed(std::uint64_t key_hash);

  // The seed's API. Returns the worker for the next request, counting it as dispatched but not
  // in flight: the caller reports the load with update_worker_stats(). Ignores in-flight limits.
  // Throws RuntimeError when there are no workers.
  std::uint32_t get_next_worker(std::string_view key = {});
  // Reports one finished request of `worker`: its load now (requests the caller has outstanding
  // there, replacing the previous report), its response time and whether it failed. Feeds the
  // latency estimate, the metrics and health like Assignment::done().
  // REQUIRES: worker < size() (throws std::out_of_range); response_time >= 0.
  void update_worker_stats(std::uint32_t worker, std::uint32_t load, Clock::duration response_time,
                           bool error);

  // Sets the active health check run by run_health_probes() (empty = none).
  void set_health_probe(HealthProbe probe);
  // Probes every worker (without the lock), then applies the results: a failure ejects a healthy
  // worker (within the ejection limit), a pass returns an ejected one. A probe that throws fails.
  // Returns how many probes failed; 0 when no probe is set.
  std::size_t run_health_probes();

  // Sets the function told of every health event, on the thread that caused it, after the lock is
  // released. It must not call back into this balancer's pick()/done() recursively forever.
  void set_event_listener(EventListener listener);

  // Returns the current state of every worker, with latency histograms and recent events, and
  // refreshes the share gauges.
  BalancerSnapshot snapshot() const;
  const BalancerConfig& config() const { return config_; }
  // Returns the policy's name.
  std::string_view policy_name() const { return policy_->name(); }
  Clock& clock() const { return clock_; }

 private:
  friend class Assignment;

  struct WorkerMetrics {
    Counter* requests;
    Counter* errors;
    Counter* ejections;
    Gauge* in_flight;
    Gauge* share;
    LatencyHistogram* latency;
  };

  Assignment pick_impl(std::optional<std::uint64_t> key);
  // Runs health maintenance and the policy. Returns nothing when no worker may take a request
  // (none at all, or all at their in-flight limit when `respect_limit`).
  std::optional<std::uint32_t> choose_locked(std::optional<std::uint64_t> key,
                                             Clock::time_point now, bool respect_limit,
                                             std::vector<HealthEvent>& events);
  void dispatch_locked(std::uint32_t worker, Clock::time_point now, bool tracked);
  void record_outcome_locked(std::uint32_t worker, Clock::time_point dispatched, bool ok,
                             Clock::time_point now, std::vector<HealthEvent>& events);
  // Counts the events from index `first` on and resets the estimates of workers leaving ejection.
  void apply_events_locked(const std::vector<HealthEvent>& events, std::size_t first,
                           Clock::time_point now);
  // Logs the events and tells the listener. Called without the lock.
  void publish(const std::vector<HealthEvent>& events);
  double error_penalty_locked(double latency_s) const;
  // Called by Assignment.
  void finish(std::uint32_t worker, Clock::time_point dispatched, bool ok);
  void cancel(std::uint32_t worker, Clock::time_point dispatched);

  const BalancerConfig config_;
  Clock& clock_;
  const Clock::time_point started_;
  Family<Counter>& requests_family_;
  Family<Counter>& errors_family_;
  Family<Counter>& ejections_family_;
  Family<Gauge>& in_flight_family_;
  Family<Gauge>& share_family_;
  Family<LatencyHistogram>& latency_family_;
  Family<Counter>& events_family_;
  Gauge& panic_gauge_;

  mutable std::mutex mu_;
  std::unique_ptr<LoadBalancingPolicy> policy_;  // guarded by mu_
  HealthTracker health_;                         // guarded by mu_
  std::vector<WorkerStats> workers_;             // guarded by mu_
  std::vector<WorkerMetrics> worker_metrics_;    // guarded by mu_
  std::vector<std::uint32_t> candidates_;        // guarded by mu_; scratch of choose_locked
  std::deque<HealthEvent> recent_events_;        // guarded by mu_
  double typical_latency_s_ = 0.0;               // guarded by mu_
  bool in_use_ = false;                          // guarded by mu_; a pick has happened
  EventListener listener_;                       // guarded by mu_
  HealthProbe probe_;                            // guarded by mu_
};

}  // namespace opusperf
