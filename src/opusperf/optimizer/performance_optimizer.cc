#include "opusperf/optimizer/performance_optimizer.h"

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <stdexcept>

#include "opusperf/core/config_loader.h"
#include "opusperf/monitor/families_json.h"
#include "opusperf/optimizer/report_sections.h"

namespace opusperf {
namespace {

// Which config flag asks for the component behind each report section.
bool requested(const OptimizationConfig& c, std::string_view section) {
  if (section == "cache") return c.enable_smart_caching;
  if (section == "memory") return c.enable_memory_optimization;
  if (section == "gpu") return c.enable_gpu_optimization;
  if (section == "balance") return c.enable_load_balancing;
  if (section == "tune") return c.enable_adaptive_tuning;
  return false;
}

std::chrono::nanoseconds process_cpu_time() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto tv = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return tv(ru.ru_utime) + tv(ru.ru_stime);
}

const OptimizationConfig& validated(const OptimizationConfig& config) {
  validate(config);
  return config;
}

}  // namespace

PerformanceOptimizer::PerformanceOptimizer(OptimizationConfig config, Clock& clock,
                                           SystemSampler sampler)
    : config_(validated(config)),
      clock_(clock),
      started_(clock.now()),
      system_history_(static_cast<std::size_t>(config_.performance_history_size)),
      sampler_(std::move(sampler)),
      process_cpu_gauge_(
          metrics_.gauge("opusperf_process_cpu_percent", "CPU use of this process, % of one core")
              .with({})),
      rss_gauge_(
          metrics_.gauge("opusperf_process_resident_memory_bytes", "Resident set size").with({})) {
  // First sample primes the CPU counters, so the monitor's first point already has CPU %.
  sample_system();
  if (config_.enable_monitoring) monitor_thread_ = std::thread([this] { monitor_loop(); });
}

PerformanceOptimizer::~PerformanceOptimizer() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (monitor_thread_.joinable()) monitor_thread_.join();
  std::lock_guard lock(components_mu_);
  for (auto it = components_.rbegin(); it != components_.rend(); ++it) {
    try {
      (*it)->stop();
    } catch (const std::exception& e) {
      spdlog::error("component '{}' failed to stop: {}", (*it)->section(), e.what());
    }
  }
  {
    std::unique_lock observers(observers_mu_);
    has_observers_.store(false, std::memory_order_relaxed);
    observers_.clear();
  }
  components_.clear();
}

void PerformanceOptimizer::monitor_loop() {
  std::unique_lock lock(stop_mu_);
  while (!stopping_) {
    // Waits on the condition variable, not a sleep: the destructor wakes it at once.
    if (stop_cv_.wait_for(lock, config_.monitoring_interval, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      sample_system();
    } catch (const std::exception& e) {
      spdlog::warn("system sampling failed: {}", e.what());
    }
    lock.lock();
  }
}

SystemSample PerformanceOptimizer::sample_system() {
  SystemPoint point;
  {
    std::lock_guard lock(sampler_mu_);
    point.sample = sampler_.sample();
  }
  point.since_start = clock_.now() - started_;
  for (const OperationStats* stats : operations_.all())
    point.operations_total += stats->calls();
  if (point.sample.process_cpu_percent) process_cpu_gauge_.set(*point.sample.process_cpu_percent);
  rss_gauge_.set(static_cast<double>(point.sample.rss_bytes));
  system_history_.push(point);
  return point.sample;
}

void PerformanceOptimizer::add_component(std::unique_ptr<Component> component) {
  if (!component) throw std::invalid_argument("add_component: null component");
  const std::string_view section = component->section();
  if (std::find(Report::kSections.begin(), Report::kSections.end(), section) ==
          Report::kSections.end() ||
      section == "system" || section == "operations") {
    throw std::invalid_argument(
        fmt::format("add_component: '{}' is not a component section", section));
  }
  std::lock_guard lock(components_mu_);
  for (const auto& c : components_) {
    if (c->section() == section) {
      throw std::invalid_argument(
          fmt::format("add_component: a '{}' component is already added", section));
    }
  }
  component->start();
  if (component->observes_operations()) {
    std::unique_lock observers(observers_mu_);
    observers_.push_back(component.get());
    has_observers_.store(true, std::memory_order_relaxed);
  }
  components_.push_back(std::move(component));
}

void PerformanceOptimizer::notify_observers(std::string_view name,
                                            const OperationMetrics& metrics) {
  std::shared_lock lock(observers_mu_);
  for (Component* c : observers_)
    c->on_operation(name, metrics);
}

ForceOptimizationResult PerformanceOptimizer::force_optimization() {
  const auto t0 = std::chrono::steady_clock::now();
  ForceOptimizationResult result;
  result.rss_before_bytes = current_rss_bytes();
  std::lock_guard lock(components_mu_);
  for (const auto& c : components_) {
    try {
      result.steps.push_back(c->optimize_now());
    } catch (const std::exception& e) {
      spdlog::error("optimize_now of '{}' failed: {}", c->section(), e.what());
      result.steps.push_back({std::string(c->section()), 0, std::string("failed: ") + e.what()});
    }
  }
  // Return free heap pages to the OS. glibc keeps freed memory in its arenas; malloc_trim hands the
  // unused pages back. What it freed is measured as the RSS drop across the call.
  const std::int64_t before_trim = current_rss_bytes();
  const int released = ::malloc_trim(0);
  const std::int64_t after_trim = current_rss_bytes();
  result.steps.push_back(
      {"malloc_trim",
       static_cast<std::uint64_t>(std::max<std::int64_t>(0, before_trim - after_trim)),
       released ? "returned free heap pages to the OS" : "no free heap pages to return"});
  result.rss_after_bytes = after_trim;
  result.took = std::chrono::steady_clock::now() - t0;
  ++forced_optimizations_;
  last_forced_ = result;
  for (const auto& step : result.steps) {
    spdlog::info("force_optimization: {} freed {} bytes ({})", step.component, step.bytes_freed,
                 step.detail);
  }
  return result;
}

nlohmann::json PerformanceOptimizer::system_section() const {
  nlohmann::json j;
  j["enabled"] = config_.enable_monitoring;
  j["monitoring_interval_ms"] = config_.monitoring_interval.count();
  j["uptime_ms"] = std::chrono::duration<double, std::milli>(clock_.now() - started_).count();
  j["process_cpu_ms_total"] = std::chrono::duration<double, std::milli>(process_cpu_time()).count();
  const auto points = system_history_.snapshot();
  j["latest"] = points.empty() ? nlohmann::json(nullptr) : system_sample_json(points.back().sample);
  nlohmann::json series = nlohmann::json::array();
  for (const SystemPoint& p : points)
    series.push_back(system_point_json(p));
  j["series"] = std::move(series);
  j["series_dropped"] = system_history_.total_pushed() - points.size();
  return j;
}

nlohmann::json PerformanceOptimizer::operations_section() const {
  nlohmann::json ops = nlohmann::json::object();
  for (const OperationStats* stats : operations_.all())
    ops[stats->name()] = operation_stats_json(*stats);
  return {{"enabled", true}, {"by_name", std::move(ops)}};
}

Report PerformanceOptimizer::report() {
  // Take a fresh sample so the report's "latest" is now, not up to one interval ago.
  sample_system();
  nlohmann::json doc;
  doc["schema"] = Report::kSchema;
  doc["version"] = OPUSPERF_VERSION;
  doc["profile"] = config_.profile;
  doc["config"] = to_json(config_);
  doc["system"] = system_section();
  doc["operations"] = operations_section();
  std::lock_guard lock(components_mu_);
  for (std::string_view section : Report::kSections) {
    if (section == "system" || section == "operations") continue;
    doc[std::string(section)] = disabled_section_json(
        requested(config_, section), requested(config_, section)
                                         ? "enabled in config, not added to this run"
                                         : "disabled in config");
  }
  for (const auto& c : components_)
    doc[std::string(c->section())] = c->report_section();
  nlohmann::json forced = {{"count", forced_optimizations_}};
  if (last_forced_) {
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : last_forced_->steps) {
      steps.push_back(
          {{"component", s.component}, {"bytes_freed", s.bytes_freed}, {"detail", s.detail}});
    }
    forced["last"] = {
        {"steps", steps},
        {"rss_before_bytes", last_forced_->rss_before_bytes},
        {"rss_after_bytes", last_forced_->rss_after_bytes},
        {"took_ms", std::chrono::duration<double, std::milli>(last_forced_->took).count()}};
  }
  doc["forced_optimizations"] = std::move(forced);
  // Last, so the figures components refreshed while reporting are in; custom metrics of the
  // service come along with ours.
  doc["metrics"] = families_json(metrics_.collect());
  return Report(std::move(doc));
}

}  // namespace opusperf
