// `opusperf report FILE`: print a saved JSON report as tables.
#pragma once

#include <CLI/CLI.hpp>

namespace opusperf::cli {

void add_report_command(CLI::App& app, int& exit_code);

}  // namespace opusperf::cli
