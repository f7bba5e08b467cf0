// The load-balancing simulator: a discrete-event simulation of a Scenario's workers that drives
// the real LoadBalancer, its policies and its health tracking with simulated time.
//
//   Scenario s = load_scenario("bench/balance/scenarios/a.json");
//   SimResult r = simulate(s, "adaptive", /*seed=*/1);     // or "oracle"
//   nlohmann::json j = to_json(r);
//
// Jobs arrive as a Poisson process at scenario.load x capacity jobs per second. Each worker is a
// single FIFO server: a job's service time is exponential (or fixed) with mean 1 / speed seconds,
// and its time in system is its wait in the worker's queue plus its service. Failing workers
// answer jobs sent in their failure window with an error after fail_latency, without queueing.
// The balancer sees exactly what production code sees: pick() on arrival (so the load it counts
// is the worker's jobs in system), Assignment::done() on completion at the simulated time (so the
// latency it learns is the time in system); a ManualClock carries the simulated time to it.
//
// "oracle" is not a LoadBalancer policy: it sends each job to the worker with the shortest
// expected delay, (jobs in system + 1) / speed, knowing every queue and every speed, and never
// to a worker inside its failure window (unless all are). It is the yardstick.
//
// The same scenario, policy and seed give the same result, bit for bit: arrivals, service times,
// failure draws and keys come from separate seeded streams drawn once per job whatever the policy,
// so every policy sees the same jobs.
//
// Thread-safety: simulate() is a pure function of its arguments; runs may proceed in parallel.
// Cost: O(jobs x (log jobs + the policy's pick)): about 1 µs a job.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/balance/scenario.h"

namespace opusperf::bench::balancesim {

struct SimWorkerResult {
  double speed = 1.0;
  std::uint64_t jobs = 0;  // sent to the worker
  std::uint64_t errors = 0;
  std::uint64_t ejections = 0;
  std::uint64_t window_jobs = 0;  // jobs from scenario.measure_from on
  // Service time of the jobs it was sent per second of arrivals: its utilisation, were it able
  // to keep up. Above 1 its queue grows with the length of the run.
  double offered_load = 0.0;
  std::uint64_t max_queue = 0;     // most jobs in system at once
  std::uint64_t queue_at_end = 0;  // jobs in system when the last job arrived
  // For a worker with a failure window: its jobs in flight when the window opened, and how many
  // jobs were sent to it from then until it was first ejected (empty: never ejected).
  std::optional<std::uint64_t> in_flight_at_failure;
  std::optional<std::uint64_t> jobs_until_ejection;
  // Jobs arrived when the balancer last returned the worker to service after an ejection.
  std::optional<std::uint64_t> last_return_job;
};

struct SimResult {
  std::string policy;
  std::uint64_t jobs = 0;
  std::uint64_t errors = 0;
  std::uint64_t ejections = 0;
  // Time in system of the jobs that succeeded, seconds: nearest-rank percentiles and the mean.
  double p50 = 0.0;
  double p99 = 0.0;
  double p999 = 0.0;
  double mean = 0.0;
  double error_rate = 0.0;  // errors / jobs
  // Some worker's offered_load exceeds 1 by more than 3 / sqrt(its jobs) (three standard errors
  // of the estimate): overloaded, not just busy.
  bool unstable = false;
  double arrivals_end_s = 0.0;  // simulated time of the last arrival
  std::vector<SimWorkerResult> workers;
};

// Returns the result of running `scenario` with `policy` (a name from balancing_policy_names() or
// "oracle") and `seed`. Throws InputError for an unknown policy.
SimResult simulate(const Scenario& scenario, std::string_view policy, std::uint64_t seed);

// Returns {"policy", "p50", "p99", "p999", "mean", "error_rate", "jobs", "errors", "ejections",
// "unstable", "jobs_per_worker": [...], "workers": [{"speed", "jobs", "errors", "ejections",
// "offered_load", "max_queue", "queue_at_end", "window_jobs"?, "in_flight_at_failure"?,
// "jobs_until_ejection"?, "last_return_job"?}], "window_jobs_per_worker"? (with measure_from)};
// times in seconds.
nlohmann::json to_json(const SimResult& result, const Scenario& scenario);

}  // namespace opusperf::bench::balancesim
