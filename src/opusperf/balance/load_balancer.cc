#include "opusperf/balance/load_balancer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "opusperf/balance/hash.h"
#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

// Weight of each successful latency in the balancer-wide typical latency (an EWMA over samples:
// about the last 20 requests). It only scales the error penalty and stands in for workers with no
// latency of their own, so it needs no knob.
constexpr double kTypicalLatencySmoothing = 0.05;

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

const BalancerConfig& validated(const BalancerConfig& config) {
  validate(config);
  return config;
}

}  // namespace

// ---- Assignment ----

Assignment::Assignment(Assignment&& other) noexcept
    : lb_(std::exchange(other.lb_, nullptr)),
      worker_(other.worker_),
      dispatched_(other.dispatched_) {}

Assignment& Assignment::operator=(Assignment&& other) noexcept {
  if (this != &other) {
    if (lb_) lb_->cancel(worker_, dispatched_);
    lb_ = std::exchange(other.lb_, nullptr);
    worker_ = other.worker_;
    dispatched_ = other.dispatched_;
  }
  return *this;
}

Assignment::~Assignment() {
  if (lb_) lb_->cancel(worker_, dispatched_);
}

void Assignment::done(bool ok) {
  if (!lb_) throw std::logic_error("Assignment::done on an empty or finished assignment");
  std::exchange(lb_, nullptr)->finish(worker_, dispatched_, ok);
}

// ---- LoadBalancer ----

LoadBalancer::LoadBalancer(BalancerConfig config, Registry& metrics, Clock& clock)
    : config_(validated(config)),
      clock_(clock),
      started_(clock.now()),
      requests_family_(metrics.counter("opusperf_balance_requests_total",
                                       "Requests dispatched to each worker", {"pool", "worker"})),
      errors_family_(metrics.counter("opusperf_balance_errors_total",
                                     "Requests that failed on each worker", {"pool", "worker"})),
      ejections_family_(metrics.counter("opusperf_balance_ejections_total",
                                        "Times each worker was ejected", {"pool", "worker"})),
      in_flight_family_(metrics.gauge("opusperf_balance_in_flight",
                                      "Requests in flight on each worker", {"pool", "worker"})),
      share_family_(metrics.gauge("opusperf_balance_share_percent",
                                  "Each worker's share of dispatched requests, as of the last "
                                  "snapshot",
                                  {"pool", "worker"})),
      latency_family_(metrics.histogram("opusperf_balance_latency_ns",
                                        "Successful requests' latency, pick to done",
                                        {"pool", "worker"})),
      events_family_(metrics.counter("opusperf_balance_health_events_total",
                                     "Health events (ejections, returns, panic)",
                                     {"pool", "event"})),
      panic_gauge_(metrics
                       .gauge("opusperf_balance_panic",
                              "1 while too few workers are healthy and requests go to all",
                              {"pool"})
                       .with({config_.name})),
      policy_(make_balancing_policy(config_)),
      health_(config_.health) {}

std::uint32_t LoadBalancer::add_worker(WorkerSpec spec) {
  if (!(spec.weight > 0.0) || !std::isfinite(spec.weight)) {
    throw std::invalid_argument(
        fmt::format("LoadBalancer::add_worker: weight must be > 0, got {}", spec.weight));
  }
  std::lock_guard lock(mu_);
  const auto index = static_cast<std::uint32_t>(workers_.size());
  if (spec.name.empty()) spec.name = fmt::format("worker-{}", index);
  for (const WorkerStats& w : workers_) {
    if (w.name() == spec.name) {
      throw std::invalid_argument(
          fmt::format("LoadBalancer::add_worker: a worker named '{}' exists", spec.name));
    }
  }
  const std::vector<std::string> labels = {config_.name, spec.name};
  worker_metrics_.push_back({&requests_family_.with(labels), &errors_family_.with(labels),
                             &ejections_family_.with(labels), &in_flight_family_.with(labels),
                             &share_family_.with(labels), &latency_family_.with(labels)});
  workers_.emplace_back(std::move(spec.name), spec.weight, config_.latency_decay);
  health_.add_worker(clock_.now(), /*slow_start=*/in_use_);
  return index;
}

std::size_t LoadBalancer::size() const {
  std::lock_guard lock(mu_);
  return workers_.size();
}

Assignment LoadBalancer::pick() {
  return pick_impl(std::nullopt);
}
Assignment LoadBalancer::pick(std::string_view key) {
  return pick_impl(balance::hash_key(key));
}
Assignment LoadBalancer::pick_hashed(std::uint64_t key_hash) {
  return pick_impl(key_hash);
}

Assignment LoadBalancer::pick_impl(std::optional<std::uint64_t> key) {
  std::vector<HealthEvent> events;  // allocates only when an event happens
  Assignment assignment;
  {
    std::lock_guard lock(mu_);
    const Clock::time_point now = clock_.now();
    if (const auto w = choose_locked(key, now, /*respect_limit=*/true, events)) {
      dispatch_locked(*w, now, /*tracked=*/true);
      assignment = Assignment(this, *w, now);
    }
  }
  publish(events);
  return assignment;
}

std::uint32_t LoadBalancer::get_next_worker(std::string_view key) {
  std::vector<HealthEvent> events;
  std::optional<std::uint32_t> w;
  {
    std::lock_guard lock(mu_);
    const Clock::time_point now = clock_.now();
    w = choose_locked(key.empty() ? std::nullopt : std::optional(balance::hash_key(key)), now,
                      /*respect_limit=*/false, events);
    if (w) dispatch_locked(*w, now, /*tracked=*/false);
  }
  publish(events);
  if (!w) throw RuntimeError(fmt::format("load balancer '{}' has no workers", config_.name));
  return *w;
}

std::optional<std::uint32_t> LoadBalancer::choose_locked(std::optional<std::uint64_t> key,
                                                         Clock::time_point now, bool respect_limit,
                                                         std::vector<HealthEvent>& events) {
  if (workers_.empty()) return std::nullopt;
  in_use_ = true;
  const std::size_t first = events.size();
  health_.refresh(now, events);
  apply_events_locked(events, first, now);
  health_.candidates(candidates_);
  if (respect_limit && config_.max_in_flight_per_worker > 0) {
    std::erase_if(candidates_, [&](std::uint32_t c) {
      return workers_[c].in_flight() >= config_.max_in_flight_per_worker;
    });
    if (candidates_.empty()) return std::nullopt;
  }
  double service_sum = 0.0;
  std::size_t service_known = 0;
  for (const WorkerStats& w : workers_) {
    if (w.service_time() > 0.0) {
      service_sum += w.service_time();
      ++service_known;
    }
  }
  for (const std::uint32_t c : candidates_)
    workers_[c].set_effective_weight(workers_[c].weight() * health_.weight_factor(c, now));
  const PickRequest request{
      .workers = workers_,
      .candidates = candidates_,
      .key = key,
      .now = now,
      .typical_latency = typical_latency_s_,
      .typical_service_time =
          service_known > 0 ? service_sum / static_cast<double>(service_known) : 0.0,
  };
  return policy_->choose(request);
}

void LoadBalancer::dispatch_locked(std::uint32_t worker, Clock::time_point now, bool tracked) {
  workers_[worker].on_dispatch(now, tracked);
  if (tracked) health_.on_dispatch(worker, now);
  const WorkerMetrics& m = worker_metrics_[worker];
  m.requests->inc();
  m.in_flight->set(workers_[worker].in_flight());
}

double LoadBalancer::error_penalty_locked(double latency_s) const {
  // Until any request has succeeded there is no typical latency; the error's own latency is all
  // there is to go on.
  return config_.error_penalty_factor * (typical_latency_s_ > 0.0 ? typical_latency_s_ : latency_s);
}

void LoadBalancer::record_outcome_locked(std::uint32_t worker, Clock::time_point dispatched,
                                         bool ok, Clock::time_point now,
                                         std::vector<HealthEvent>& events) {
  const WorkerMetrics& m = worker_metrics_[worker];
  const Clock::duration latency = std::max(Clock::duration::zero(), now - dispatched);
  if (ok) {
    m.latency->record(static_cast<std::uint64_t>(latency.count()));
    const double s = seconds(latency);
    typical_latency_s_ =
        typical_latency_s_ == 0.0
            ? s
            : typical_latency_s_ + kTypicalLatencySmoothing * (s - typical_latency_s_);
  } else {
    m.errors->inc();
  }
  m.in_flight->set(workers_[worker].in_flight());
  const std::size_t first = events.size();
  health_.on_outcome(worker, dispatched, ok, now, events);
  apply_events_locked(events, first, now);
}

void LoadBalancer::finish(std::uint32_t worker, Clock::time_point dispatched, bool ok) {
  std::vector<HealthEvent> events;
  {
    std::lock_guard lock(mu_);
    const Clock::time_point now = clock_.now();
    const double latency_s = seconds(std::max(Clock::duration::zero(), now - dispatched));
    workers_[worker].on_finish(now, latency_s, ok, error_penalty_locked(latency_s),
                               config_.service_time_smoothing);
    record_outcome_locked(worker, dispatched, ok, now, events);
  }
  publish(events);
}

void LoadBalancer::cancel(std::uint32_t worker, Clock::time_point dispatched) {
  std::lock_guard lock(mu_);
  workers_[worker].on_cancel(clock_.now());
  health_.on_cancel(worker, dispatched);
  worker_metrics_[worker].in_flight->set(workers_[worker].in_flight());
}

void LoadBalancer::update_worker_stats(std::uint32_t worker, std::uint32_t load,
                                       Clock::duration response_time, bool error) {
  std::vector<HealthEvent> events;
  {
    std::lock_guard lock(mu_);
    if (worker >= workers_.size()) {
      throw std::out_of_range(
          fmt::format("update_worker_stats: no worker {} (have {})", worker, workers_.size()));
    }
    const Clock::time_point now = clock_.now();
    const double latency_s = seconds(std::max(Clock::duration::zero(), response_time));
    workers_[worker].on_report(now, load, latency_s, !error, error_penalty_locked(latency_s));
    record_outcome_locked(worker, now - response_time, !error, now, events);
  }
  publish(events);
}

void LoadBalancer::set_health_probe(HealthProbe probe) {
  std::lock_guard lock(mu_);
  probe_ = std::move(probe);
}

void LoadBalancer::set_event_listener(EventListener listener) {
  std::lock_guard lock(mu_);
  listener_ = std::move(listener);
}

std::size_t LoadBalancer::run_health_probes() {
  HealthProbe probe;
  std::size_t n = 0;
  {
    std::lock_guard lock(mu_);
    probe = probe_;
    n = workers_.size();
  }
  if (!probe) return 0;
  std::vector<bool> passed(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    try {
      passed[i] = probe(i);
    } catch (const std::exception& e) {
      spdlog::info("balancer {}: health probe of worker {} threw: {}", config_.name, i, e.what());
      passed[i] = false;
    }
  }
  std::vector<HealthEvent> events;
  {
    std::lock_guard lock(mu_);
    const Clock::time_point now = clock_.now();
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::size_t first = events.size();
      health_.on_probe(i, passed[i], now, events);
      apply_events_locked(events, first, now);
    }
  }
  publish(events);
  return static_cast<std::size_t>(std::count(passed.begin(), passed.end(), false));
}

void LoadBalancer::apply_events_locked(const std::vector<HealthEvent>& events, std::size_t first,
                                       Clock::time_point now) {
  for (std::size_t k = first; k < events.size(); ++k) {
    const HealthEvent& e = events[k];
    events_family_.with({config_.name, std::string(to_string(e.kind))}).inc();
    switch (e.kind) {
      case HealthEvent::Kind::kEjected:
        worker_metrics_[e.worker].ejections->inc();
        break;
      case HealthEvent::Kind::kProbation:
      case HealthEvent::Kind::kReturned:
        // Back from ejection: what was learnt before (an error penalty, a stale service time)
        // says nothing about the worker now. Start it from the typical latency, like a new one.
        if (e.previous == HealthState::kEjected) {
          workers_[e.worker].reset_estimates(typical_latency_s_, now);
        }
        break;
      case HealthEvent::Kind::kPanicStarted:
      case HealthEvent::Kind::kPanicEnded:
        panic_gauge_.set(e.kind == HealthEvent::Kind::kPanicStarted ? 1.0 : 0.0);
        break;
      case HealthEvent::Kind::kEjectionSkipped:
        break;
    }
    recent_events_.push_back(e);
    if (recent_events_.size() > kRecentEvents) recent_events_.pop_front();
  }
}

void LoadBalancer::publish(const std::vector<HealthEvent>& events) {
  if (events.empty()) return;
  EventListener listener;
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    listener = listener_;
    for (const HealthEvent& e : events)
      names.push_back(e.worker < workers_.size() ? workers_[e.worker].name() : "?");
  }
  for (std::size_t k = 0; k < events.size(); ++k) {
    const HealthEvent& e = events[k];
    switch (e.kind) {
      case HealthEvent::Kind::kEjected:
        spdlog::info("balancer {}: worker {} ejected for {:.3g} s ({}, ejection #{})", config_.name,
                     names[k], seconds(e.ejection_time), e.reason, e.times_ejected);
        break;
      case HealthEvent::Kind::kEjectionSkipped:
        spdlog::info("balancer {}: worker {} not ejected ({}): max_ejection_percent reached",
                     config_.name, names[k], e.reason);
        break;
      case HealthEvent::Kind::kProbation:
        spdlog::info("balancer {}: worker {} on probation", config_.name, names[k]);
        break;
      case HealthEvent::Kind::kReturned:
        spdlog::info("balancer {}: worker {} returned ({})", config_.name, names[k], e.reason);
        break;
      case HealthEvent::Kind::kPanicStarted:
        spdlog::warn("balancer {}: panic: too few healthy workers, routing to all", config_.name);
        break;
      case HealthEvent::Kind::kPanicEnded:
        spdlog::info("balancer {}: panic over", config_.name);
        break;
    }
    if (listener) listener(e);
  }
}

BalancerSnapshot LoadBalancer::snapshot() const {
  std::lock_guard lock(mu_);
  const Clock::time_point now = clock_.now();
  BalancerSnapshot s;
  s.name = config_.name;
  s.policy = std::string(policy_->name());
  s.panic = health_.panic();
  s.started = started_;
  s.taken = now;
  for (const WorkerStats& w : workers_)
    s.requests += w.requests();
  for (std::uint32_t i = 0; i < workers_.size(); ++i) {
    const WorkerStats& w = workers_[i];
    WorkerSnapshot ws;
    ws.name = w.name();
    ws.weight = w.weight();
    ws.effective_weight = w.effective_weight();
    ws.state = health_.state(i);
    ws.in_flight = w.in_flight();
    ws.reported_load = w.reported_load();
    ws.requests = w.requests();
    ws.errors = w.errors();
    ws.ejections = health_.ejections(i);
    ws.share_percent =
        s.requests > 0 ? 100.0 * static_cast<double>(w.requests()) / static_cast<double>(s.requests)
                       : 0.0;
    ws.latency_ewma_s = w.latency(now);
    ws.service_time_s = w.service_time();
    if (ws.state == HealthState::kEjected && health_.ejected_until(i) > now)
      ws.ejected_for_s = seconds(health_.ejected_until(i) - now);
    ws.latency_ns = worker_metrics_[i].latency->snapshot();
    worker_metrics_[i].share->set(ws.share_percent);
    s.errors += ws.errors;
    s.ejections += ws.ejections;
    s.workers.push_back(std::move(ws));
  }
  s.recent_events.assign(recent_events_.begin(), recent_events_.end());
  return s;
}

}  // namespace opusperf
