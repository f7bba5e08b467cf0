#include "bench/balance/simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

#include "opusperf/balance/hash.h"
#include "opusperf/balance/load_balancer.h"
#include "opusperf/balance/rng.h"
#include "opusperf/core/clock.h"
#include "opusperf/monitor/metric_registry.h"

namespace opusperf::bench::balancesim {
namespace {

using balance::mix64;
using balance::Rng;

// A job finishing at `time`; seq breaks ties in order of creation, so runs are deterministic.
struct Completion {
  double time;
  std::uint64_t seq;
  std::uint32_t slot;
  bool operator>(const Completion& o) const { return time != o.time ? time > o.time : seq > o.seq; }
};

// A job in system.
struct Job {
  Assignment assignment;  // empty for the oracle
  std::uint32_t worker = 0;
  double arrival = 0.0;
  bool error = false;
};

// Per-worker state of the simulated servers.
struct Server {
  double busy_until = 0.0;      // when its FIFO queue empties, if nothing more arrives
  std::uint64_t in_system = 0;  // jobs queued or in service (failing ones excluded)
  std::uint64_t in_flight = 0;  // every job sent and not finished: what the balancer counts
  double work = 0.0;            // seconds of service sent to it
  bool failure_seen = false;
  bool ejected_since_failure = false;
  std::uint64_t jobs_since_failure = 0;
};

// Moves the simulated clock to `t` seconds after the start.
class SimTime {
 public:
  explicit SimTime(ManualClock& clock) : clock_(clock), origin_(clock.now()) {}
  void advance_to(double t) {
    const auto target = origin_ + std::chrono::nanoseconds(std::llround(t * 1e9));
    if (target > clock_.now()) clock_.advance(target - clock_.now());
  }

 private:
  ManualClock& clock_;
  const Clock::time_point origin_;
};

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// The oracle: shortest expected delay with full knowledge, avoiding failing workers; ties (equal
// workers with equal queues are common) go to a random one of them, so no worker is favoured.
std::uint32_t oracle_choice(const Scenario& s, const std::vector<Server>& servers,
                            std::uint64_t job, Rng& rng) {
  std::uint32_t best = 0;
  double best_delay = std::numeric_limits<double>::infinity();
  bool best_failing = true;
  std::uint64_t ties = 0;
  for (std::uint32_t i = 0; i < servers.size(); ++i) {
    const bool failing = s.workers[i].failing_at(job);
    const double delay = (static_cast<double>(servers[i].in_system) + 1.0) / s.workers[i].speed;
    if ((best_failing && !failing) || (failing == best_failing && delay < best_delay)) {
      best = i;
      best_delay = delay;
      best_failing = failing;
      ties = 1;
    } else if (failing == best_failing && delay == best_delay && rng.below(++ties) == 0) {
      best = i;
    }
  }
  return best;
}

}  // namespace

SimResult simulate(const Scenario& s, std::string_view policy, std::uint64_t seed) {
  const bool oracle = policy == "oracle";
  const std::size_t n = s.workers.size();
  ManualClock clock;
  SimTime sim_time(clock);
  Registry registry;
  std::optional<LoadBalancer> lb;
  std::vector<Server> servers(n);
  SimResult result;
  std::uint64_t next_job = 0;  // jobs arrived so far
  result.policy = std::string(policy);
  result.workers.resize(n);
  if (!oracle) {
    BalancerConfig config;
    config.name = std::string(policy);
    config.policy = std::string(policy);
    config.seed = mix64(seed ^ 0x6c62272e07bb0142ULL);
    lb.emplace(config, registry, clock);  // throws InputError for an unknown policy
    for (std::size_t i = 0; i < n; ++i)
      lb->add_worker({"", s.workers[i].weight});
    lb->set_event_listener([&](const HealthEvent& e) {
      if (e.kind == HealthEvent::Kind::kReturned)
        result.workers[e.worker].last_return_job = next_job;
      if (e.kind != HealthEvent::Kind::kEjected) return;
      ++result.workers[e.worker].ejections;
      ++result.ejections;
      Server& server = servers[e.worker];
      if (server.failure_seen) server.ejected_since_failure = true;
    });
  }

  // Separate streams: each job draws one value from each, whatever the policy does.
  Rng arrivals(mix64(seed ^ 0x1));
  Rng work(mix64(seed ^ 0x2));
  Rng failures(mix64(seed ^ 0x3));
  Rng keys(mix64(seed ^ 0x4));
  Rng oracle_ties(mix64(seed ^ 0x5));
  const double mean_gap = 1.0 / (s.load * s.capacity());

  std::vector<std::uint32_t> with_failures;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (s.workers[i].fail_after) with_failures.push_back(i);
  }
  std::vector<Job> jobs;
  std::vector<std::uint32_t> free_slots;
  std::priority_queue<Completion, std::vector<Completion>, std::greater<>> completions;
  std::vector<double> times;
  times.reserve(s.jobs);
  std::uint64_t seq = 0;
  double next_arrival = arrivals.exponential(mean_gap);

  while (next_job < s.jobs || !completions.empty()) {
    if (next_job < s.jobs && (completions.empty() || next_arrival <= completions.top().time)) {
      const double now = next_arrival;
      sim_time.advance_to(now);
      const std::uint64_t index = next_job++;
      const double units =
          s.service == ServiceDistribution::kExponential ? work.exponential(1.0) : 1.0;
      const double coin = failures.uniform();
      const std::uint64_t key = keys.next();
      for (const std::uint32_t i : with_failures) {
        Server& server = servers[i];
        if (!server.failure_seen && index >= *s.workers[i].fail_after) {
          server.failure_seen = true;
          result.workers[i].in_flight_at_failure = server.in_flight;
        }
      }

      Job job;
      if (oracle) {
        job.worker = oracle_choice(s, servers, index, oracle_ties);
      } else {
        job.assignment = lb->pick_hashed(key);
        job.worker = job.assignment.worker();
      }
      const std::uint32_t w = job.worker;
      const SimWorkerSpec& spec = s.workers[w];
      Server& server = servers[w];
      SimWorkerResult& out = result.workers[w];
      job.arrival = now;
      job.error = spec.failing_at(index) && coin < spec.fail_prob;
      double finish = now + spec.fail_latency;
      if (!job.error) {
        const double service = units / spec.speed;
        finish = std::max(now, server.busy_until) + service;
        server.busy_until = finish;
        server.work += service;
        ++server.in_system;
        out.max_queue = std::max(out.max_queue, server.in_system);
      }
      ++server.in_flight;
      ++out.jobs;
      if (s.measure_from && index >= *s.measure_from) ++out.window_jobs;
      if (server.failure_seen && !server.ejected_since_failure) ++server.jobs_since_failure;
      if (index + 1 == s.jobs) {
        result.arrivals_end_s = now;
        for (std::uint32_t i = 0; i < n; ++i)
          result.workers[i].queue_at_end = servers[i].in_system;
      }

      std::uint32_t slot;
      if (free_slots.empty()) {
        slot = static_cast<std::uint32_t>(jobs.size());
        jobs.push_back(std::move(job));
      } else {
        slot = free_slots.back();
        free_slots.pop_back();
        jobs[slot] = std::move(job);
      }
      completions.push({finish, seq++, slot});
      next_arrival += arrivals.exponential(mean_gap);
      continue;
    }

    const Completion c = completions.top();
    completions.pop();
    sim_time.advance_to(c.time);
    Job& job = jobs[c.slot];
    Server& server = servers[job.worker];
    --server.in_flight;
    if (job.error) {
      ++result.workers[job.worker].errors;
      ++result.errors;
    } else {
      --server.in_system;
      times.push_back(c.time - job.arrival);
    }
    if (job.assignment) job.assignment.done(!job.error);
    free_slots.push_back(c.slot);
  }

  result.jobs = s.jobs;
  result.error_rate = static_cast<double>(result.errors) / static_cast<double>(s.jobs);
  std::sort(times.begin(), times.end());
  result.p50 = percentile(times, 0.50);
  result.p99 = percentile(times, 0.99);
  result.p999 = percentile(times, 0.999);
  double sum = 0.0;
  for (const double t : times)
    sum += t;
  result.mean = times.empty() ? 0.0 : sum / static_cast<double>(times.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    SimWorkerResult& out = result.workers[i];
    out.speed = s.workers[i].speed;
    out.offered_load = result.arrivals_end_s > 0 ? servers[i].work / result.arrivals_end_s : 0.0;
    // Work offered beyond capacity by more than three standard errors of its estimate (a sum of
    // n service times has relative spread about 1 / sqrt(n)): the queue grows with the run.
    // A worker at the edge (offered ~0.99, kept there by a load-aware policy's feedback) is not.
    const double noise = out.jobs > 0 ? 3.0 / std::sqrt(static_cast<double>(out.jobs)) : 0.0;
    result.unstable = result.unstable || out.offered_load > 1.0 + noise;
    if (servers[i].failure_seen && servers[i].ejected_since_failure)
      out.jobs_until_ejection = servers[i].jobs_since_failure;
  }
  return result;
}

nlohmann::json to_json(const SimResult& r, const Scenario& s) {
  nlohmann::json per_worker = nlohmann::json::array();
  nlohmann::json jobs_per_worker = nlohmann::json::array();
  nlohmann::json window = nlohmann::json::array();
  for (const SimWorkerResult& w : r.workers) {
    nlohmann::json j = {
        {"speed", w.speed},
        {"jobs", w.jobs},
        {"errors", w.errors},
        {"ejections", w.ejections},
        {"offered_load", w.offered_load},
        {"max_queue", w.max_queue},
        {"queue_at_end", w.queue_at_end},
    };
    if (s.measure_from) j["window_jobs"] = w.window_jobs;
    if (w.in_flight_at_failure) j["in_flight_at_failure"] = *w.in_flight_at_failure;
    if (w.last_return_job) j["last_return_job"] = *w.last_return_job;
    if (w.in_flight_at_failure) {
      j["jobs_until_ejection"] =
          w.jobs_until_ejection ? nlohmann::json(*w.jobs_until_ejection) : nlohmann::json(nullptr);
    }
    per_worker.push_back(std::move(j));
    jobs_per_worker.push_back(w.jobs);
    window.push_back(w.window_jobs);
  }
  nlohmann::json j = {
      {"policy", r.policy},
      {"p50", r.p50},
      {"p99", r.p99},
      {"p999", r.p999},
      {"mean", r.mean},
      {"error_rate", r.error_rate},
      {"jobs", r.jobs},
      {"errors", r.errors},
      {"ejections", r.ejections},
      {"unstable", r.unstable},
      {"jobs_per_worker", jobs_per_worker},
      {"workers", per_worker},
  };
  if (s.measure_from) j["window_jobs_per_worker"] = window;
  return j;
}

}  // namespace opusperf::bench::balancesim
