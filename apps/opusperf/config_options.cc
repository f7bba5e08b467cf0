#include "config_options.h"

#include <optional>
#include <string>
#include <string_view>

#include "opusperf/core/config_loader.h"
#include "opusperf/core/errors.h"
#include "opusperf/core/profiles.h"

namespace opusperf::cli {

void add_config_options(CLI::App& app, ConfigOptions& opts) {
  app.add_option("--profile", opts.profile,
                 "Base profile: development, production (default) or high_performance");
  app.add_option("--config", opts.config_file,
                 "YAML config file (may name a profile and override fields)");
}

OptimizationConfig resolve_config(const ConfigOptions& opts) {
  std::optional<std::string_view> profile;
  if (!opts.profile.empty()) {
    profile = opts.profile;
    try {
      profiles::by_name(*profile);  // check the flag first so the error names it
    } catch (const ConfigError& e) {
      throw InputError(std::string("--profile: ") + e.what());
    }
  }
  if (!opts.config_file.empty()) return load_config(opts.config_file, profile);
  OptimizationConfig cfg = profiles::by_name(profile.value_or("production"));
  validate(cfg);
  return cfg;
}

}  // namespace opusperf::cli
