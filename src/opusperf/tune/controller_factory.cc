#include "opusperf/tune/controller_factory.h"

#include <fmt/format.h>

#include "opusperf/core/errors.h"

namespace opusperf {

std::vector<std::string_view> controller_names() {
  return {"hill_climb", "gradient"};
}

std::unique_ptr<Controller> make_controller(std::string_view name,
                                            const ControllerOptions& options) {
  if (name == "hill_climb") {
    return std::make_unique<HillClimber>(
        options.hill_climb, make_objective(options.objective, options.objective_options));
  }
  if (name == "gradient") return std::make_unique<GradientLimiter>(options.gradient);
  throw InputError(fmt::format("unknown controller '{}'; controllers are: {}", name,
                               fmt::join(controller_names(), ", ")));
}

}  // namespace opusperf
