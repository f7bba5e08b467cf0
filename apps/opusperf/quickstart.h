// `opusperf quickstart <example>`: the original system's nine quick-start examples, each a short run
// that shows one part of the runtime doing real work and prints what it measured.
#pragma once

#include <CLI/CLI.hpp>

namespace opusperf::cli {

// Registers the `quickstart` subcommand on `app`. Its callback sets `exit_code`.
void add_quickstart_command(CLI::App& app, int& exit_code);

}  // namespace opusperf::cli
