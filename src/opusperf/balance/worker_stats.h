// WorkerStats: what a LoadBalancer knows about one worker — its weight, its load, its latency and
// its service rate — and so what every policy decides on.
//
// Load is the requests handed to the worker and not yet finished: those counted by pick() and
// Assignment::done() (in_flight) plus the load last given to update_worker_stats()
// (reported_load, for callers that track it themselves). Latency is a peak EWMA of response times
// in seconds, in which an error counts as at least a penalty (BalancerConfig::
// error_penalty_factor x the balancer's typical latency), so a worker that fails fast never looks
// fast. The service time is an EWMA of the busy time per completion, counting only time with
// something in flight: for a worker serving one request at a time that is each request's own
// service time, queueing excluded, so the adaptive policy can predict a new request's completion
// as (load + 1) x service time. Errors do not feed it.
//
// Thread-safety: none; a LoadBalancer keeps these under its lock and hands policies a const view.
// Cost: a few arithmetic operations and at most one exp() an event.
#pragma once

#include <cstdint>
#include <string>

#include "opusperf/balance/peak_ewma.h"
#include "opusperf/core/clock.h"

namespace opusperf {

class WorkerStats {
 public:
  // REQUIRES: weight > 0, latency_decay > 0.
  WorkerStats(std::string name, double weight, Clock::duration latency_decay);

  const std::string& name() const { return name_; }
  // Returns the configured weight.
  double weight() const { return weight_; }
  // Returns the weight policies use now: weight() scaled by slow start. Set before each pick.
  double effective_weight() const { return effective_weight_; }
  // Returns requests picked for this worker and not yet done.
  std::uint32_t in_flight() const { return in_flight_; }
  // Returns the load last given to update_worker_stats() (0 if never).
  std::uint32_t reported_load() const { return reported_load_; }
  // Returns in_flight() + reported_load(): the load policies compare.
  std::uint32_t load() const { return in_flight_ + reported_load_; }
  // Returns the peak-EWMA latency in seconds decayed to `now` (errors penalised); 0 when unknown.
  double latency(Clock::time_point now) const { return latency_.value(now); }
  // Returns whether any outcome has fed the latency since the worker was added or last reset.
  bool has_latency() const { return latency_.has_value(); }
  // Returns the estimated service time in seconds (busy time per completion); 0 when unknown.
  double service_time() const { return service_time_; }
  // Returns the requests dispatched to this worker (pick() and get_next_worker()).
  std::uint64_t requests() const { return requests_; }
  // Returns the outcomes reported as errors.
  std::uint64_t errors() const { return errors_; }

  // ---- Updates, made by the LoadBalancer ----

  void set_effective_weight(double w) { effective_weight_ = w; }
  // One request dispatched; `tracked` when its completion will come through finish()/cancel().
  void on_dispatch(Clock::time_point now, bool tracked);
  // A tracked request finished after `latency_s` seconds. `penalty_s` is the least latency an
  // error counts as; `smoothing` the service-time EWMA weight.
  void on_finish(Clock::time_point now, double latency_s, bool ok, double penalty_s,
                 double smoothing);
  // A tracked request was abandoned before it reported an outcome: it leaves the load only.
  void on_cancel(Clock::time_point now);
  // An untracked outcome from update_worker_stats(): the worker's load is now `load`.
  void on_report(Clock::time_point now, std::uint32_t load, double latency_s, bool ok,
                 double penalty_s);
  // Forgets latency and service-time history and starts the latency from `latency_s` (a worker
  // back from ejection should look neither better nor worse than a typical one). 0 = unknown.
  void reset_estimates(double latency_s, Clock::time_point now);

 private:
  // Adds the time since the last load change to the busy time when something was in flight.
  void account_busy(Clock::time_point now);
  void observe_outcome(Clock::time_point now, double latency_s, bool ok, double penalty_s);

  std::string name_;
  double weight_;
  double effective_weight_;
  std::uint32_t in_flight_ = 0;
  std::uint32_t reported_load_ = 0;
  PeakEwma latency_;
  double service_time_ = 0.0;
  double busy_since_completion_s_ = 0.0;
  Clock::time_point last_load_change_{};
  std::uint64_t requests_ = 0;
  std::uint64_t errors_ = 0;
};

}  // namespace opusperf
