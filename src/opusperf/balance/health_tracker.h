// HealthTracker: which workers may take requests — outlier ejection, probation, slow start and
// panic — kept apart from the policies that choose among them (Envoy's outlier detection).
//
//   HealthTracker health(HealthConfig{});
//   health.add_worker(now, /*slow_start=*/false);
//   health.on_outcome(w, dispatched_at, /*ok=*/false, now, events);   // may eject w
//   health.refresh(now, events);        // ends ejections that ran out, success-rate sweep, panic
//   health.candidates(out);             // who may be picked now
//
// A worker is healthy, ejected or on probation:
//   - healthy -> ejected after HealthConfig::consecutive_errors errors in a row, counted in
//     dispatch order: a success only breaks the run if it was dispatched after the last error
//     (a request that started before the worker broke says nothing about it now); also when its
//     success rate is an outlier, or when an active probe fails. Never more than
//     max_ejection_percent of the workers (at least one) are out at once; an ejection refused for
//     that reason is an event too.
//   - ejected for base_ejection_time x (times ejected), at most max_ejection_time. Each
//     base_ejection_time spent healthy afterwards takes one off the count.
//   - ejected -> probation when the time is up: one request at a time (at full weight); the
//     first outcome of a request dispatched since then returns the worker (success) or ejects
//     it again at once (error). Outcomes of older requests are ignored.
//   - returned workers (and workers added with slow_start) ramp their weight over
//     slow_start_window.
// Panic: when fewer than panic_threshold_percent of the workers are healthy, every worker is a
// candidate.
//
// Every change is reported as a HealthEvent appended to the caller's vector, so the owner can
// count and log it without this class knowing about metrics or logs.
//
// Thread-safety: none; a LoadBalancer calls it under its lock. Cost: O(1) an outcome; refresh()
// and candidates() are O(workers).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "opusperf/balance/balancer_config.h"
#include "opusperf/core/clock.h"

namespace opusperf {

enum class HealthState { kHealthy, kEjected, kProbation };

// Returns "healthy", "ejected" or "probation".
std::string_view to_string(HealthState state);

struct HealthEvent {
  enum class Kind {
    kEjected,          // a worker was taken out of rotation
    kEjectionSkipped,  // it would have been, but max_ejection_percent were out already
    kProbation,        // its ejection ran out; it now takes one request at a time
    kReturned,         // back in rotation (slow start begins)
    kPanicStarted,     // too few healthy workers: routing to all
    kPanicEnded,
  };
  Kind kind;
  std::uint32_t worker = 0;  // not meaningful for panic events
  // Why: "consecutive_errors", "success_rate", "probe_failed", "probation_failed" (ejections);
  // "probation_passed", "probe_passed" (returns); empty otherwise.
  std::string_view reason;
  HealthState previous = HealthState::kHealthy;  // the worker's state before the event
  Clock::time_point at{};
  Clock::duration ejection_time{0};  // kEjected: for how long
  std::uint32_t times_ejected = 0;   // kEjected: the multiplier of base_ejection_time used
};

// Returns "ejected", "ejection_skipped", "probation", "returned", "panic_started", "panic_ended".
std::string_view to_string(HealthEvent::Kind kind);

class HealthTracker {
 public:
  // REQUIRES: validate() accepts a BalancerConfig holding `config`.
  explicit HealthTracker(HealthConfig config);
  HealthTracker(const HealthTracker&) = delete;
  HealthTracker& operator=(const HealthTracker&) = delete;

  // Adds a healthy worker (index = size() before the call), ramping its weight if `slow_start`.
  void add_worker(Clock::time_point now, bool slow_start);
  std::size_t size() const { return workers_.size(); }

  // Moves workers whose ejection has run out to probation, runs the success-rate sweep when an
  // interval has passed, and updates panic mode. Call before choosing.
  void refresh(Clock::time_point now, std::vector<HealthEvent>& events);
  // Replaces `out` with the workers that may be picked now, in increasing order: the healthy ones
  // and those on probation with no request out; every worker in panic, or when none qualifies.
  void candidates(std::vector<std::uint32_t>& out) const;
  // Returns whether the last refresh() found too few healthy workers.
  bool panic() const { return panic_; }
  // Returns the slow-start factor in (0, 1] for worker's weight at `now`.
  double weight_factor(std::uint32_t worker, Clock::time_point now) const;

  // A request whose outcome will be reported was dispatched to `worker` at `now`.
  void on_dispatch(std::uint32_t worker, Clock::time_point now);
  // The request dispatched at `dispatched` was abandoned without an outcome.
  void on_cancel(std::uint32_t worker, Clock::time_point dispatched);
  // The request dispatched to `worker` at `dispatched` finished at `now`, ok or not.
  void on_outcome(std::uint32_t worker, Clock::time_point dispatched, bool ok,
                  Clock::time_point now, std::vector<HealthEvent>& events);
  // An active health probe of `worker` passed or failed: a failure ejects a healthy worker and
  // keeps a worker on probation out; a pass returns an ejected or probation worker at once.
  void on_probe(std::uint32_t worker, bool ok, Clock::time_point now,
                std::vector<HealthEvent>& events);

  HealthState state(std::uint32_t worker) const { return workers_[worker].state; }
  // Returns how many times `worker` has been ejected.
  std::uint64_t ejections(std::uint32_t worker) const { return workers_[worker].ejections; }
  // Returns when the current ejection of `worker` ends (meaningful while it is ejected).
  Clock::time_point ejected_until(std::uint32_t worker) const {
    return workers_[worker].ejected_until;
  }
  // Returns how many workers are ejected or on probation.
  std::size_t unhealthy_count() const;

 private:
  struct Worker {
    HealthState state = HealthState::kHealthy;
    Clock::time_point ejected_until{};
    Clock::time_point probation_since{};
    bool probe_in_flight = false;
    Clock::time_point probe_dispatched{};
    std::uint32_t times_ejected = 0;  // the ejection-time multiplier
    std::uint64_t ejections = 0;      // total
    std::uint32_t consecutive_errors = 0;
    Clock::time_point last_success_dispatch{};
    Clock::time_point last_error_dispatch{};
    Clock::time_point healthy_since{};
    bool slow_start = false;
    Clock::time_point slow_start_from{};
    std::uint64_t interval_ok = 0;
    std::uint64_t interval_errors = 0;
  };

  // Ejects `w` for `reason` if the ejection limit allows (always from probation). Returns whether
  // it did.
  bool eject(std::uint32_t w, std::string_view reason, Clock::time_point now,
             std::vector<HealthEvent>& events);
  void return_to_service(std::uint32_t w, std::string_view reason, Clock::time_point now,
                         std::vector<HealthEvent>& events);
  void sweep_success_rates(Clock::time_point now, std::vector<HealthEvent>& events);
  void update_panic(Clock::time_point now, std::vector<HealthEvent>& events);

  const HealthConfig config_;
  std::vector<Worker> workers_;
  bool panic_ = false;
  bool sweep_started_ = false;
  Clock::time_point next_sweep_{};
};

}  // namespace opusperf
