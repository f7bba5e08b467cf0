// RunView: what a MonitoringServer shows of a run, behind a small interface so the server needs no
// knowledge of who produces the figures (OptimizerView reads a PerformanceOptimizer; tests use
// fakes).
//
// Thread-safety: the server calls both methods from its own connection threads, possibly at the
// same time, so implementations must be thread-safe. They run on those threads, never on the
// threads doing the observed work.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace opusperf {

class RunView {
 public:
  virtual ~RunView() = default;

  // Returns the run's metrics now, in the Prometheus text format 0.0.4.
  virtual std::string metrics_text() = 0;
  // Returns the run's report now: a document of schema opusperf.report/1 (Report::json()).
  virtual nlohmann::json report() = 0;
};

}  // namespace opusperf
