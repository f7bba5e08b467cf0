#include "opusperf/tune/adaptive_performance_tuner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

namespace opusperf {
namespace {

const TunerOptions& validated(const TunerOptions& o) {
  if (o.interval.count() <= 0) throw std::invalid_argument("TunerOptions.interval must be > 0");
  if (o.history_size < 1) throw std::invalid_argument("TunerOptions.history_size must be >= 1");
  if (o.samples_per_interval < 1) {
    throw std::invalid_argument("TunerOptions.samples_per_interval must be >= 1");
  }
  return o;
}

double ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

TunerOptions TunerOptions::from_config(const OptimizationConfig& config) {
  TunerOptions o;
  o.interval = config.tuning_interval;
  o.history_size = static_cast<std::size_t>(config.performance_history_size);
  return o;
}

std::string TunerStrategy::summary() const {
  if (knob.empty()) return "no knob registered";
  return fmt::format("{}tuning {} with {}: {}", frozen ? "frozen, not " : "", knob, controller,
                     reason);
}

AdaptivePerformanceTuner::AdaptivePerformanceTuner(TunerOptions options, Clock& clock,
                                                   Registry* metrics)
    : options_(validated(options)),
      sample_period_(std::max<std::chrono::nanoseconds::rep>(
          1, options_.interval.count() /
                 static_cast<std::chrono::nanoseconds::rep>(options_.samples_per_interval))),
      clock_(clock),
      metrics_(metrics),
      started_(clock.now()),
      decisions_(options_.history_size),
      samples_(options_.history_size),
      frozen_(options_.frozen),
      last_evaluation_(started_) {
  if (metrics_) {
    metrics_->gauge("opusperf_tune_frozen", "1 while the tuner is frozen").with({}).set(frozen_);
  }
  strategy_.frozen = frozen_;
}

AdaptivePerformanceTuner::~AdaptivePerformanceTuner() {
  stop();
}

Knob& AdaptivePerformanceTuner::add_knob(KnobSpec spec, std::unique_ptr<Controller> controller) {
  if (!controller) throw std::invalid_argument("add_knob: controller must not be null");
  auto knob = std::make_unique<Knob>(std::move(spec));
  std::lock_guard eval_lock(eval_mu_);
  for (const Binding& b : bindings_) {
    if (b.knob->name() == knob->name()) {
      throw std::invalid_argument(
          fmt::format("add_knob: a knob named '{}' is already registered", knob->name()));
    }
  }
  Binding binding{std::move(knob), std::move(controller), clock_.now(), nullptr};
  if (metrics_) {
    binding.value_gauge =
        &metrics_->gauge("opusperf_tune_knob_value", "Current value of a tuned knob", {"knob"})
             .with({binding.knob->name()});
    binding.value_gauge->set(binding.knob->value());
  }
  bindings_.push_back(std::move(binding));
  Knob& registered = *bindings_.back().knob;
  refresh_strategy();
  return registered;
}

void AdaptivePerformanceTuner::push_sample(const PerformanceSample& sample) {
  pending_.push_back(sample);
  samples_.push(sample);
}

void AdaptivePerformanceTuner::record_performance(const PerformanceSample& sample) {
  PerformanceSample s = sample;
  if (s.at == Clock::time_point{}) s.at = clock_.now();
  if (s.period.count() <= 0) s.period = sample_period_;
  std::lock_guard lock(mu_);
  push_sample(s);
}

void AdaptivePerformanceTuner::close_due_samples(Clock::time_point now) {
  while (bucket_open_ && now >= bucket_start_ + sample_period_) {
    PerformanceSample s;
    s.at = bucket_start_ + sample_period_;
    s.period = sample_period_;
    s.throughput = bucket_units_ / std::chrono::duration<double>(sample_period_).count();
    if (bucket_count_ > 0) {
      s.latency = bucket_latency_sum_ / static_cast<std::chrono::nanoseconds::rep>(bucket_count_);
    }
    empty_periods_ = bucket_count_ == 0 ? empty_periods_ + 1 : 0;
    push_sample(s);
    bucket_start_ = s.at;
    bucket_units_ = 0.0;
    bucket_latency_sum_ = std::chrono::nanoseconds(0);
    bucket_count_ = 0;
    // A long silence is not a measurement of any setting: stop filling it with zeros.
    if (empty_periods_ >= 2 * options_.samples_per_interval) bucket_open_ = false;
  }
}

void AdaptivePerformanceTuner::record_performance(const OperationMetrics& metrics) {
  const Clock::time_point now = clock_.now();
  std::lock_guard lock(mu_);
  close_due_samples(now);
  if (!bucket_open_) {
    bucket_open_ = true;
    bucket_start_ = now;
    empty_periods_ = 0;
  }
  bucket_units_ += metrics.units > 0 ? static_cast<double>(metrics.units) : 1.0;
  bucket_latency_sum_ += metrics.wall_time;
  ++bucket_count_;
}

bool AdaptivePerformanceTuner::tick() {
  const Clock::time_point now = clock_.now();
  {
    std::lock_guard lock(mu_);
    close_due_samples(now);
    if (now - last_evaluation_ < options_.interval) return false;
  }
  evaluate_now();
  return true;
}

void AdaptivePerformanceTuner::evaluate_now() {
  std::lock_guard eval_lock(eval_mu_);
  const Clock::time_point now = clock_.now();
  std::vector<PerformanceSample> window;
  bool frozen = false;
  {
    std::lock_guard lock(mu_);
    close_due_samples(now);
    window.swap(pending_);
    frozen = frozen_;
    last_evaluation_ = now;
  }
  if (bindings_.empty() || frozen) {
    refresh_strategy();
    return;
  }
  Binding& binding = bindings_[active_];
  // Only samples measured entirely at the knob's current value are evidence about it.
  std::erase_if(window,
                [&](const PerformanceSample& s) { return s.at - s.period < binding.last_change; });
  if (!window.empty()) {
    const std::vector<ControlDecision> decisions =
        binding.controller->evaluate(*binding.knob, window);
    for (const ControlDecision& d : decisions) {
      try {
        apply(binding, d, now);
      } catch (const std::exception& e) {
        // The knob kept its value; the controller starts over from it.
        Decision failed{now,
                        now - started_,
                        binding.knob->name(),
                        std::string(binding.controller->name()),
                        d.action,
                        d.from,
                        binding.knob->value(),
                        fmt::format("applying {:g} failed: {}; knob left at {:g}", d.to, e.what(),
                                    binding.knob->value()),
                        0.0};
        spdlog::warn("tuner: {}", failed.evidence);
        decisions_.push(std::move(failed));
        binding.controller->reset();
        break;
      }
    }
  }
  if (bindings_.size() > 1 && binding.controller->settled()) {
    // Coordinate search: this knob converged, give the next one its turn from where it stands.
    active_ = (active_ + 1) % bindings_.size();
    bindings_[active_].controller->reset();
    bindings_[active_].last_change = now;
  }
  refresh_strategy();
}

void AdaptivePerformanceTuner::apply(Binding& binding, const ControlDecision& d,
                                     Clock::time_point now) {
  Knob& knob = *binding.knob;
  const double before = knob.value();
  const double after = d.to != before ? knob.set(d.to) : before;
  if (after != before) binding.last_change = now;
  std::string evidence = d.evidence;
  if (after != d.to) {
    evidence += fmt::format(" [asked {:g}; bounds and rate limit allow {:g}]", d.to, after);
  }
  if (binding.value_gauge) binding.value_gauge->set(after);
  if (metrics_) {
    metrics_
        ->counter("opusperf_tune_decisions_total", "Tuner decisions by knob and action",
                  {"knob", "action"})
        .with({knob.name(), std::string(to_string(d.action))})
        .inc();
  }
  decisions_.push(Decision{now, now - started_, knob.name(),
                           std::string(binding.controller->name()), d.action, d.from, after,
                           std::move(evidence), d.confidence});
}

void AdaptivePerformanceTuner::refresh_strategy() {
  TunerStrategy s;
  if (!bindings_.empty()) {
    const Binding& b = bindings_[active_];
    s.knob = b.knob->name();
    s.controller = std::string(b.controller->name());
    s.reason = b.controller->describe();
  }
  std::lock_guard lock(mu_);
  s.frozen = frozen_;
  strategy_ = std::move(s);
}

void AdaptivePerformanceTuner::set_frozen(bool frozen) {
  std::lock_guard eval_lock(eval_mu_);
  bool freezing = false;
  bool unfreezing = false;
  {
    std::lock_guard lock(mu_);
    freezing = !frozen_ && frozen;
    unfreezing = frozen_ && !frozen;
    frozen_ = frozen;
    if (unfreezing) pending_.clear();  // measured while frozen: no controller asked for them
  }
  const Clock::time_point now = clock_.now();
  for (Binding& b : bindings_) {
    if (unfreezing) b.controller->reset();
    if (!freezing) continue;
    // Do not freeze on a value still on trial: go back to the one the evidence supports.
    const std::optional<double> best = b.controller->best_value();
    const double current = b.knob->value();
    if (!best || *best == current) continue;
    try {
      apply(b,
            {TuneAction::kRevert, current, *best,
             fmt::format("frozen: back to {:g}, the value the evidence supports ({:g} was still "
                         "being measured)",
                         *best, current),
             0.0},
            now);
    } catch (const std::exception& e) {
      spdlog::warn("tuner: freezing {} at {:g} failed: {}", b.knob->name(), *best, e.what());
    }
  }
  if (metrics_) {
    metrics_->gauge("opusperf_tune_frozen", "1 while the tuner is frozen").with({}).set(frozen);
  }
  refresh_strategy();
}

bool AdaptivePerformanceTuner::frozen() const {
  std::lock_guard lock(mu_);
  return frozen_;
}

TunerStrategy AdaptivePerformanceTuner::current_strategy() const {
  std::lock_guard lock(mu_);
  return strategy_;
}

std::vector<KnobStatus> AdaptivePerformanceTuner::knobs() const {
  std::lock_guard eval_lock(eval_mu_);
  std::vector<KnobStatus> out;
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    const Binding& b = bindings_[i];
    out.push_back({b.knob->name(), std::string(b.controller->name()), b.knob->value(),
                   b.knob->min(), b.knob->max(), b.knob->step(), i == active_,
                   b.controller->settled()});
  }
  return out;
}

nlohmann::json AdaptivePerformanceTuner::report_json() const {
  nlohmann::json j;
  j["enabled"] = true;
  const TunerStrategy strategy = current_strategy();
  j["frozen"] = strategy.frozen;
  j["interval_ms"] = ms(options_.interval);
  j["sample_period_ms"] = ms(sample_period_);
  j["strategy"] = {{"knob", strategy.knob},
                   {"controller", strategy.controller},
                   {"reason", strategy.reason},
                   {"summary", strategy.summary()}};
  nlohmann::json knobs = nlohmann::json::array();
  for (const KnobStatus& k : this->knobs()) {
    knobs.push_back({{"name", k.name},
                     {"controller", k.controller},
                     {"value", k.value},
                     {"min", k.min},
                     {"max", k.max},
                     {"step", k.step},
                     {"active", k.active},
                     {"settled", k.settled}});
  }
  j["knobs"] = std::move(knobs);
  nlohmann::json log = nlohmann::json::array();
  const std::vector<Decision> decisions = decisions_.snapshot();
  for (const Decision& d : decisions)
    log.push_back(to_json(d));
  j["decisions"] = std::move(log);
  j["decisions_total"] = decisions_.total_pushed();
  j["decisions_dropped"] = decisions_.total_pushed() - decisions.size();
  const std::vector<PerformanceSample> samples = samples_.snapshot();
  j["samples_total"] = samples_.total_pushed();
  // The last window's worth of samples, summarized.
  const std::size_t n = std::min(samples.size(), options_.samples_per_interval);
  const WindowSummary recent =
      summarize(std::span<const PerformanceSample>(samples).subspan(samples.size() - n));
  j["recent"] = {{"samples", recent.samples},
                 {"throughput_per_s", recent.mean_throughput},
                 {"latency_ms", ms(recent.latency)}};
  return j;
}

void AdaptivePerformanceTuner::start() {
  std::lock_guard lock(stop_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void AdaptivePerformanceTuner::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  // Join outside stop_mu_: the thread takes it to re-check stopping_.
  std::thread thread;
  {
    std::lock_guard lock(stop_mu_);
    thread.swap(thread_);
  }
  if (thread.joinable()) thread.join();
}

void AdaptivePerformanceTuner::run() {
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    // A condition-variable wait, not a sleep: stop() wakes it at once.
    if (stop_cv_.wait_for(lock, options_.interval, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      tick();
    } catch (const std::exception& e) {
      spdlog::warn("tuner: evaluation failed: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace opusperf
