#include "opusperf/balance/health_tracker.h"

#include <algorithm>
#include <cmath>

namespace opusperf {

std::string_view to_string(HealthState state) {
  switch (state) {
    case HealthState::kHealthy:
      return "healthy";
    case HealthState::kEjected:
      return "ejected";
    case HealthState::kProbation:
      return "probation";
  }
  return "?";
}

std::string_view to_string(HealthEvent::Kind kind) {
  switch (kind) {
    case HealthEvent::Kind::kEjected:
      return "ejected";
    case HealthEvent::Kind::kEjectionSkipped:
      return "ejection_skipped";
    case HealthEvent::Kind::kProbation:
      return "probation";
    case HealthEvent::Kind::kReturned:
      return "returned";
    case HealthEvent::Kind::kPanicStarted:
      return "panic_started";
    case HealthEvent::Kind::kPanicEnded:
      return "panic_ended";
  }
  return "?";
}

HealthTracker::HealthTracker(HealthConfig config) : config_(config) {}

void HealthTracker::add_worker(Clock::time_point now, bool slow_start) {
  Worker w;
  w.healthy_since = now;
  w.slow_start = slow_start && config_.slow_start_window.count() > 0;
  w.slow_start_from = now;
  workers_.push_back(w);
}

std::size_t HealthTracker::unhealthy_count() const {
  return static_cast<std::size_t>(
      std::count_if(workers_.begin(), workers_.end(),
                    [](const Worker& w) { return w.state != HealthState::kHealthy; }));
}

void HealthTracker::refresh(Clock::time_point now, std::vector<HealthEvent>& events) {
  for (std::uint32_t i = 0; i < workers_.size(); ++i) {
    Worker& w = workers_[i];
    if (w.state != HealthState::kEjected || w.ejected_until > now) continue;
    w.state = HealthState::kProbation;
    w.probation_since = now;
    w.probe_in_flight = false;
    events.push_back({HealthEvent::Kind::kProbation, i, {}, HealthState::kEjected, now});
  }
  if (config_.success_rate_interval.count() > 0) {
    if (!sweep_started_) {
      sweep_started_ = true;
      next_sweep_ = now + config_.success_rate_interval;
    } else if (now >= next_sweep_) {
      sweep_success_rates(now, events);
      next_sweep_ = now + config_.success_rate_interval;
    }
  }
  update_panic(now, events);
}

void HealthTracker::update_panic(Clock::time_point now, std::vector<HealthEvent>& events) {
  if (workers_.empty()) return;
  const double healthy = static_cast<double>(workers_.size() - unhealthy_count());
  const bool panic =
      100.0 * healthy / static_cast<double>(workers_.size()) < config_.panic_threshold_percent;
  if (panic == panic_) return;
  panic_ = panic;
  events.push_back({panic ? HealthEvent::Kind::kPanicStarted : HealthEvent::Kind::kPanicEnded,
                    0,
                    {},
                    HealthState::kHealthy,
                    now});
}

void HealthTracker::candidates(std::vector<std::uint32_t>& out) const {
  out.clear();
  if (!panic_) {
    for (std::uint32_t i = 0; i < workers_.size(); ++i) {
      const Worker& w = workers_[i];
      if (w.state == HealthState::kHealthy ||
          (w.state == HealthState::kProbation && !w.probe_in_flight)) {
        out.push_back(i);
      }
    }
  }
  if (out.empty()) {
    for (std::uint32_t i = 0; i < workers_.size(); ++i)
      out.push_back(i);
  }
}

double HealthTracker::weight_factor(std::uint32_t worker, Clock::time_point now) const {
  const Worker& w = workers_[worker];
  // On probation a worker takes one request at a time, at full weight: that single request is
  // the limit on what a still-broken worker can fail, and a reduced weight would only delay it
  // (least_loaded would hardly ever pick a worker costed at 10x).
  if (w.state != HealthState::kHealthy || !w.slow_start ||
      now >= w.slow_start_from + config_.slow_start_window)
    return 1.0;
  const double min_factor = config_.slow_start_min_weight_percent / 100.0;
  const double elapsed = std::chrono::duration<double>(now - w.slow_start_from).count();
  const double window = std::chrono::duration<double>(config_.slow_start_window).count();
  return std::max(min_factor, std::pow(elapsed / window, 1.0 / config_.slow_start_aggression));
}

void HealthTracker::on_dispatch(std::uint32_t worker, Clock::time_point now) {
  Worker& w = workers_[worker];
  if (w.state == HealthState::kProbation && !w.probe_in_flight) {
    w.probe_in_flight = true;
    w.probe_dispatched = now;
  }
}

void HealthTracker::on_cancel(std::uint32_t worker, Clock::time_point dispatched) {
  Worker& w = workers_[worker];
  if (w.state == HealthState::kProbation && w.probe_in_flight && w.probe_dispatched == dispatched) {
    w.probe_in_flight = false;
  }
}

void HealthTracker::on_outcome(std::uint32_t worker, Clock::time_point dispatched, bool ok,
                               Clock::time_point now, std::vector<HealthEvent>& events) {
  Worker& w = workers_[worker];
  ++(ok ? w.interval_ok : w.interval_errors);
  switch (w.state) {
    case HealthState::kEjected:
      return;  // a request from before the ejection: the worker is out already
    case HealthState::kProbation:
      if (dispatched < w.probation_since) return;
      w.probe_in_flight = false;
      if (ok) {
        return_to_service(worker, "probation_passed", now, events);
      } else {
        eject(worker, "probation_failed", now, events);
      }
      return;
    case HealthState::kHealthy:
      break;
  }
  if (ok) {
    // Only a request sent after the last error says the worker works now.
    if (dispatched > w.last_error_dispatch) w.consecutive_errors = 0;
    w.last_success_dispatch = std::max(w.last_success_dispatch, dispatched);
    return;
  }
  if (dispatched < w.last_success_dispatch) return;  // older than a success: not part of a run
  w.last_error_dispatch = std::max(w.last_error_dispatch, dispatched);
  ++w.consecutive_errors;
  if (config_.consecutive_errors > 0 && w.consecutive_errors >= config_.consecutive_errors) {
    eject(worker, "consecutive_errors", now, events);
  }
}

void HealthTracker::on_probe(std::uint32_t worker, bool ok, Clock::time_point now,
                             std::vector<HealthEvent>& events) {
  const HealthState state = workers_[worker].state;
  if (ok && state != HealthState::kHealthy) {
    return_to_service(worker, "probe_passed", now, events);
  } else if (!ok && state != HealthState::kEjected) {
    eject(worker, "probe_failed", now, events);
  }
}

bool HealthTracker::eject(std::uint32_t i, std::string_view reason, Clock::time_point now,
                          std::vector<HealthEvent>& events) {
  Worker& w = workers_[i];
  const HealthState previous = w.state;
  if (previous == HealthState::kHealthy) {
    const double share = config_.max_ejection_percent / 100.0;
    const auto allowed = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::floor(share * static_cast<double>(workers_.size()))));
    if (unhealthy_count() >= allowed) {
      events.push_back({HealthEvent::Kind::kEjectionSkipped, i, reason, previous, now});
      return false;
    }
    // Time spent healthy since the last return earns back one ejection per base time.
    const auto earned =
        static_cast<std::uint64_t>((now - w.healthy_since) / config_.base_ejection_time);
    w.times_ejected -= static_cast<std::uint32_t>(std::min<std::uint64_t>(w.times_ejected, earned));
  }
  ++w.times_ejected;
  ++w.ejections;
  const Clock::duration duration = std::min<Clock::duration>(
      config_.base_ejection_time * w.times_ejected, config_.max_ejection_time);
  w.state = HealthState::kEjected;
  w.ejected_until = now + duration;
  w.consecutive_errors = 0;
  w.probe_in_flight = false;
  events.push_back(
      {HealthEvent::Kind::kEjected, i, reason, previous, now, duration, w.times_ejected});
  update_panic(now, events);
  return true;
}

void HealthTracker::return_to_service(std::uint32_t i, std::string_view reason,
                                      Clock::time_point now, std::vector<HealthEvent>& events) {
  Worker& w = workers_[i];
  const HealthState previous = w.state;
  w.state = HealthState::kHealthy;
  w.healthy_since = now;
  w.consecutive_errors = 0;
  w.last_success_dispatch = now;  // earlier requests' errors are from before the return
  w.probe_in_flight = false;
  w.slow_start = config_.slow_start_window.count() > 0;
  w.slow_start_from = now;
  events.push_back({HealthEvent::Kind::kReturned, i, reason, previous, now});
  update_panic(now, events);
}

void HealthTracker::sweep_success_rates(Clock::time_point now, std::vector<HealthEvent>& events) {
  std::vector<std::pair<std::uint32_t, double>> rates;  // (worker, success rate)
  for (std::uint32_t i = 0; i < workers_.size(); ++i) {
    Worker& w = workers_[i];
    const std::uint64_t n = w.interval_ok + w.interval_errors;
    if (w.state == HealthState::kHealthy && n >= config_.success_rate_request_volume && n > 0) {
      rates.emplace_back(i, static_cast<double>(w.interval_ok) / static_cast<double>(n));
    }
    w.interval_ok = 0;
    w.interval_errors = 0;
  }
  if (rates.empty() || rates.size() < config_.success_rate_min_workers) return;
  double mean = 0.0;
  for (const auto& [i, r] : rates)
    mean += r;
  mean /= static_cast<double>(rates.size());
  double var = 0.0;
  for (const auto& [i, r] : rates)
    var += (r - mean) * (r - mean);
  const double stdev = std::sqrt(var / static_cast<double>(rates.size()));
  const double threshold = mean - config_.success_rate_stdev_factor * stdev;
  for (const auto& [i, r] : rates) {
    if (r < threshold) eject(i, "success_rate", now, events);
  }
}

}  // namespace opusperf
