// Makes a Controller by name, the way config and the `opusperf bench tune --controller` flag choose
// one:
//
//   "hill_climb"  HillClimber over the objective named in ControllerOptions (throughput by
//                 default; "latency_target" with a target)
//   "gradient"    GradientLimiter
//
// Thread-safe (pure functions). Cost: one allocation.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/tune/controller.h"
#include "opusperf/tune/gradient_limiter.h"
#include "opusperf/tune/hill_climber.h"
#include "opusperf/tune/objective.h"

namespace opusperf {

struct ControllerOptions {
  HillClimberOptions hill_climb;
  GradientLimiterOptions gradient;
  // The hill climber's objective (objective.h) and its options.
  std::string objective = "throughput";
  ObjectiveOptions objective_options;
};

// Returns the controller called `name`. Throws InputError naming the valid names when unknown,
// InputError for a bad objective, std::invalid_argument for bad options.
std::unique_ptr<Controller> make_controller(std::string_view name,
                                            const ControllerOptions& options = {});
// Returns the valid controller names.
std::vector<std::string_view> controller_names();

}  // namespace opusperf
