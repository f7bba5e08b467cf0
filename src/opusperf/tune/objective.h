// Objective: what "better" means for the hill climber, as one score per PerformanceSample (higher
// is better). Chosen by name:
//
//   "throughput"      the sample's throughput (work units per second).
//   "latency_target"  throughput while the latency meets a target, penalised steeply beyond it:
//                     throughput * (target / latency)^penalty_exponent when latency > target. A
//                     setting that doubles throughput but triples latency past the target loses.
//                     Samples without a latency measurement are scored by throughput alone.
//
//   auto objective = make_objective("latency_target", {.latency_target = 50ms});
//   double s = objective->score(sample);
//
// Implementations are immutable after construction and thread-safe. Cost: a few arithmetic
// operations per sample.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/tune/performance_sample.h"

namespace opusperf {

class Objective {
 public:
  virtual ~Objective() = default;
  // Returns the name it was made by ("throughput", "latency_target").
  virtual std::string_view name() const = 0;
  // Returns the sample's score; higher is better, >= 0.
  virtual double score(const PerformanceSample& sample) const = 0;
  // Returns a short description with its parameters, for current_strategy() and reports.
  virtual std::string describe() const = 0;
};

struct ObjectiveOptions {
  // latency_target: the latency to stay under. REQUIRES > 0 for "latency_target".
  std::chrono::nanoseconds latency_target{0};
  // latency_target: how steeply a miss is penalised; >= 1. With 2, 10% over the target costs 17%.
  double penalty_exponent = 2.0;
};

// Returns the objective called `name`. Throws InputError naming the valid names when unknown, or
// the bad option.
std::unique_ptr<Objective> make_objective(std::string_view name,
                                          const ObjectiveOptions& options = {});
// Returns the valid objective names.
std::vector<std::string_view> objective_names();

}  // namespace opusperf
