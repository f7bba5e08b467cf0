// PerformanceOptimizer: the runtime's front door. Built from an OptimizationConfig, it owns the
// enabled components, measures every operation run through it, samples the system in the
// background, and produces the run's Report.
//
//   opusperf::PerformanceOptimizer opt(opusperf::profiles::production());
//   auto [frames, m] = opt.optimize_operation({"decode", /*units=*/n}, decode, path);
//   opt.force_optimization();            // trim what can be rebuilt, now
//   opt.report().save("run.json");
//
// Thread-safety: every public method may be called from many threads at once. The background
// monitor thread starts in the constructor (when enable_monitoring is set) and is stopped and
// joined by the destructor, which returns within one wake-up of the thread (no sleep polling).
// Cost of optimize_operation over a direct call: about 1 µs (see `opusperf bench micro`).
//
// Not copyable or movable: components and threads hold references to it.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "opusperf/core/clock.h"
#include "opusperf/core/config.h"
#include "opusperf/monitor/history.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/monitor/operation_metrics.h"
#include "opusperf/monitor/report.h"
#include "opusperf/monitor/system_sampler.h"
#include "opusperf/optimizer/component.h"

namespace opusperf {

// Names an operation and, optionally, how many work units (frames, bytes, items) one call handles,
// so its throughput can be reported.
struct OperationSpec {
  OperationSpec(const char* n) : name(n) {}         // NOLINT: implicit by design
  OperationSpec(std::string_view n) : name(n) {}    // NOLINT
  OperationSpec(const std::string& n) : name(n) {}  // NOLINT
  OperationSpec(std::string_view n, std::uint64_t u) : name(n), units(u) {}

  std::string_view name;
  std::uint64_t units = 0;
};

// What force_optimization() did.
struct ForceOptimizationResult {
  std::vector<OptimizationStep> steps;  // one per component, then the allocator trim
  std::int64_t rss_before_bytes = 0;
  std::int64_t rss_after_bytes = 0;
  std::chrono::nanoseconds took{0};
};

// One point of the system time series the monitor thread records.
struct SystemPoint {
  std::chrono::nanoseconds since_start{0};
  SystemSample sample;
  std::uint64_t operations_total = 0;  // calls of every operation so far
};

class PerformanceOptimizer {
 public:
  // REQUIRES: config passes validate() (throws ConfigError otherwise). `clock` must outlive this.
  explicit PerformanceOptimizer(OptimizationConfig config, Clock& clock = SteadyClock::instance(),
                                SystemSampler sampler = SystemSampler());
  ~PerformanceOptimizer();
  PerformanceOptimizer(const PerformanceOptimizer&) = delete;
  PerformanceOptimizer& operator=(const PerformanceOptimizer&) = delete;

  // Runs fn(args...) on the calling thread and measures it. Returns {result, metrics}, or just the
  // metrics when fn returns void. If fn throws, the failure is counted and the exception rethrown.
  template <class F, class... Args>
  requires std::invocable<F, Args...>
  auto optimize_operation(OperationSpec spec, F&& fn, Args&&... args);

  // Adds a component and starts it. Its report section replaces the placeholder for that section.
  // REQUIRES: no component for the same section was added before (throws std::invalid_argument).
  void add_component(std::unique_ptr<Component> component);

  // Runs every component's optimize_now(), then returns freed heap pages to the OS (malloc_trim),
  // and reports what each step freed with RSS before and after.
  ForceOptimizationResult force_optimization();

  // Returns the run's report (schema opusperf.report/1), with a system sample taken now.
  Report report();

  const OptimizationConfig& config() const { return config_; }
  Registry& metrics() { return metrics_; }
  OperationRegistry& operations() { return operations_; }
  // Returns the system time series recorded so far, oldest first.
  std::vector<SystemPoint> system_history() const { return system_history_.snapshot(); }
  // Takes a system sample now, records it in the history and returns it.
  SystemSample sample_system();

 private:
  void monitor_loop();
  // Hands a finished operation to the components that observe operations.
  void notify_observers(std::string_view name, const OperationMetrics& metrics);
  nlohmann::json system_section() const;
  nlohmann::json operations_section() const;

  const OptimizationConfig config_;
  Clock& clock_;
  const Clock::time_point started_;
  Registry metrics_;
  OperationRegistry operations_;
  History<SystemPoint> system_history_;

  mutable std::mutex sampler_mu_;  // SystemSampler keeps previous counters: one user at a time
  SystemSampler sampler_;
  Gauge& process_cpu_gauge_;
  Gauge& rss_gauge_;

  mutable std::mutex components_mu_;
  std::vector<std::unique_ptr<Component>> components_;
  // Components whose observes_operations() is true. A separate shared lock: every operation reads
  // it, while components_mu_ is held across slow force_optimization() steps.
  std::shared_mutex observers_mu_;
  std::vector<Component*> observers_;       // guarded by observers_mu_
  std::atomic<bool> has_observers_{false};  // lets optimize_operation skip the lock when none
  std::uint64_t forced_optimizations_ = 0;  // guarded by components_mu_
  std::optional<ForceOptimizationResult> last_forced_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread monitor_thread_;
};

// ---- implementation of the template ----

namespace detail {
// Finishes a probe as failed if the operation throws before complete() is called.
class ProbeGuard {
 public:
  explicit ProbeGuard(OperationProbe& probe) : probe_(probe) {}
  ProbeGuard(const ProbeGuard&) = delete;
  ProbeGuard& operator=(const ProbeGuard&) = delete;
  ~ProbeGuard() {
    if (!completed_) probe_.finish(false);
  }
  OperationMetrics complete() {
    completed_ = true;
    return probe_.finish(true);
  }

 private:
  OperationProbe& probe_;
  bool completed_ = false;
};
}  // namespace detail

template <class F, class... Args>
requires std::invocable<F, Args...>
auto PerformanceOptimizer::optimize_operation(OperationSpec spec, F&& fn, Args&&... args) {
  using R = std::invoke_result_t<F, Args...>;
  OperationProbe probe(operations_.get(spec.name), spec.units);
  detail::ProbeGuard guard(probe);
  if constexpr (std::is_void_v<R>) {
    std::invoke(std::forward<F>(fn), std::forward<Args>(args)...);
    OperationMetrics m = guard.complete();
    if (has_observers_.load(std::memory_order_relaxed)) notify_observers(spec.name, m);
    return m;
  } else {
    // A braced initializer evaluates left to right: the call finishes before the probe stops.
    std::pair<R, OperationMetrics> out{
        std::invoke(std::forward<F>(fn), std::forward<Args>(args)...), guard.complete()};
    if (has_observers_.load(std::memory_order_relaxed)) notify_observers(spec.name, out.second);
    return out;
  }
}

}  // namespace opusperf
