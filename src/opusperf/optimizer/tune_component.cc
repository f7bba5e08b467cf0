#include "opusperf/optimizer/tune_component.h"

namespace opusperf {

TuneComponent::TuneComponent(const OptimizationConfig& config, Registry& metrics, Clock& clock)
    : tuner_(TunerOptions::from_config(config), clock, &metrics) {}

OptimizationStep TuneComponent::optimize_now() {
  return {"tune", 0, "nothing to free; " + tuner_.current_strategy().summary()};
}

}  // namespace opusperf
