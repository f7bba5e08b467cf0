// The --profile and --config flags every running subcommand takes, and how they combine:
// --config FILE loads a YAML file (its `profile:` key picks the base profile); --profile NAME picks
// the base profile and wins over the file's `profile:` key; with neither, the base is "production".
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "opusperf/core/config.h"

namespace opusperf::cli {

struct ConfigOptions {
  std::string profile;      // empty: not given
  std::string config_file;  // empty: not given
};

// Adds --profile and --config to `app`, writing into `opts`.
void add_config_options(CLI::App& app, ConfigOptions& opts);
// Returns the validated config the flags describe. Throws ConfigError (exit code 2) on bad input.
OptimizationConfig resolve_config(const ConfigOptions& opts);

}  // namespace opusperf::cli
