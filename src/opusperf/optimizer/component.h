// Component: the interface through which a part of the runtime (SmartCache, MemoryOptimizer,
// GPUOptimizer, LoadBalancer, AdaptivePerformanceTuner) plugs into PerformanceOptimizer.
//
// The optimizer calls start() once when the component is added, stop() once before destroying it
// (in reverse order of addition), optimize_now() from force_optimization() and report_section()
// from report(). A component whose observes_operations() is true also gets on_operation() after
// every successful optimize_operation call (the tuner learns throughput that way). optimize_now(),
// report_section() and on_operation() may be called from any thread while the component runs, so
// implementations must be thread-safe for those.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "opusperf/monitor/operation_metrics.h"

namespace opusperf {

// What one optimize-now step did, as measured by the component's own accounting.
struct OptimizationStep {
  std::string component;
  std::uint64_t bytes_freed = 0;
  std::string detail;  // human-readable, e.g. "shrank 3 caches", "released 12 idle segments"
};

class Component {
 public:
  virtual ~Component() = default;

  // Returns the report section this component fills: one of "cache", "memory", "gpu", "balance",
  // "tune" (Report::kSections). Must not change over the component's life.
  virtual std::string_view section() const = 0;
  // Starts background work, if any. Called once.
  virtual void start() {}
  // Stops background work; after it returns no thread of the component runs. Called once.
  virtual void stop() {}
  // Releases what can be rebuilt (trim caches, pools, idle device memory) now.
  virtual OptimizationStep optimize_now() { return {std::string(section()), 0, "nothing to do"}; }
  // Returns the component's report section. Must contain "enabled": true.
  virtual nlohmann::json report_section() const = 0;
  // Whether on_operation() should be called; read once, when the component is added.
  virtual bool observes_operations() const { return false; }
  // Called on the operation's thread after each successful optimize_operation; must be cheap.
  virtual void on_operation(std::string_view /*name*/, const OperationMetrics& /*metrics*/) {}
};

}  // namespace opusperf
