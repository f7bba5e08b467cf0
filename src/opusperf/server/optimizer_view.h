// OptimizerView: the RunView of a PerformanceOptimizer, what `--serve` shows of a run.
//
//   PerformanceOptimizer opt(config);
//   OptimizerView view(opt);
//   MonitoringServer server(view, options);
//
// metrics_text() writes every family of opt.metrics() (the runtime's and any a service registered
// there), then the operation and system families of run_families.h. report() is opt.report() plus
// "metrics": families_json(opt.metrics().collect()), so custom metrics reach the dashboard too.
//
// Thread-safety: both methods may run concurrently (PerformanceOptimizer's methods are
// thread-safe). Cost: metrics_text() snapshots every histogram (a few µs each) and copies the
// system history (performance_history_size points); report() is one PerformanceOptimizer::report(),
// which also records a system sample.
#pragma once

#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/server/run_view.h"

namespace opusperf {

class OptimizerView final : public RunView {
 public:
  // REQUIRES: `optimizer` outlives this view.
  explicit OptimizerView(PerformanceOptimizer& optimizer) : optimizer_(optimizer) {}
  OptimizerView(const OptimizerView&) = delete;
  OptimizerView& operator=(const OptimizerView&) = delete;

  std::string metrics_text() override;
  nlohmann::json report() override;

 private:
  PerformanceOptimizer& optimizer_;
};

}  // namespace opusperf
