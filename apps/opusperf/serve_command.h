// `opusperf serve`: run the monitor on its own (no workload) and serve its live dashboard, /metrics
// and report until interrupted (SIGINT, SIGTERM) or --duration ends; a sidecar that shows the
// machine's CPU, memory and pressure. --report FILE writes the JSON report when it stops.
#pragma once

#include <CLI/CLI.hpp>

namespace opusperf::cli {

void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace opusperf::cli
