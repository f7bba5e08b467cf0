// `opusperf quickstart <example>`: the original system's nine quick-start examples, each a short
// run that shows one part of the runtime doing real work and prints what it measured. Examples
// register themselves (command_registry.h); an example whose component is not built yet exits 1
// naming it.
#pragma once

#include <CLI/CLI.hpp>

namespace opusperf::cli {

// Registers the `quickstart` subcommand and one sub-subcommand an example on `app`.
void add_quickstart_command(CLI::App& app, int& exit_code);

}  // namespace opusperf::cli
