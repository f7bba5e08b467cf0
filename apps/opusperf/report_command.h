// `opusperf report FILE`: print a saved JSON report as tables; with --html, write it as a
// self-contained HTML page with charts; with --compare BASELINE, print every metric the two reports
// share side by side with its change and whether it is beyond the run-to-run noise, and with
// --fail-over PCT exit 3 when a chosen metric (--metric) got worse by more than PCT percent.
#pragma once

#include <CLI/CLI.hpp>

namespace opusperf::cli {

// The exit code of `opusperf report --compare ... --fail-over PCT` when a gated metric regressed.
inline constexpr int kExitRegression = 3;

void add_report_command(CLI::App& app, int& exit_code);

}  // namespace opusperf::cli
