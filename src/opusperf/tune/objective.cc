#include "opusperf/tune/objective.h"

#include <fmt/format.h>

#include <cmath>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

class ThroughputObjective final : public Objective {
 public:
  std::string_view name() const override { return "throughput"; }
  double score(const PerformanceSample& s) const override { return std::max(0.0, s.throughput); }
  std::string describe() const override { return "maximise throughput"; }
};

class LatencyTargetObjective final : public Objective {
 public:
  LatencyTargetObjective(std::chrono::nanoseconds target, double exponent)
      : target_(target), exponent_(exponent) {}
  std::string_view name() const override { return "latency_target"; }
  double score(const PerformanceSample& s) const override {
    const double throughput = std::max(0.0, s.throughput);
    if (s.latency <= target_) return throughput;  // also: latency not measured (0)
    const double ratio =
        static_cast<double>(target_.count()) / static_cast<double>(s.latency.count());
    return throughput * std::pow(ratio, exponent_);
  }
  std::string describe() const override {
    return fmt::format("maximise throughput with latency under {:.3g} ms (penalty exponent {:.3g})",
                       std::chrono::duration<double, std::milli>(target_).count(), exponent_);
  }

 private:
  const std::chrono::nanoseconds target_;
  const double exponent_;
};

}  // namespace

std::vector<std::string_view> objective_names() {
  return {"throughput", "latency_target"};
}

std::unique_ptr<Objective> make_objective(std::string_view name, const ObjectiveOptions& options) {
  if (name == "throughput") return std::make_unique<ThroughputObjective>();
  if (name == "latency_target") {
    if (options.latency_target.count() <= 0) {
      throw InputError("objective 'latency_target': latency_target must be > 0");
    }
    if (!(options.penalty_exponent >= 1.0) || !std::isfinite(options.penalty_exponent)) {
      throw InputError("objective 'latency_target': penalty_exponent must be >= 1");
    }
    return std::make_unique<LatencyTargetObjective>(options.latency_target,
                                                    options.penalty_exponent);
  }
  throw InputError(fmt::format("unknown objective '{}'; objectives are: {}", name,
                               fmt::join(objective_names(), ", ")));
}

}  // namespace opusperf
