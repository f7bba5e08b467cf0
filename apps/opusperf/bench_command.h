// `opusperf bench <suite>`: the project's benchmarks, one subcommand a registered BenchSuite
// (see command_registry.h; `micro` is bench_micro.cc). With --json, every suite prints one JSON
// object on stdout, per the bench contract in DESIGN.md.
#pragma once

#include <CLI/CLI.hpp>

namespace opusperf::cli {

void add_bench_command(CLI::App& app, int& exit_code);

}  // namespace opusperf::cli
