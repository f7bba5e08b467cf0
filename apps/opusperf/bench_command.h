// `opusperf bench <suite>`: the project's benchmarks. `micro` runs the Google Benchmark
// micro-benchmarks linked into this binary (every *_benchmark.cc). With --json, one JSON object on
// stdout (Google Benchmark's JSON format), per the bench contract in DESIGN.md.
#pragma once

#include <CLI/CLI.hpp>

namespace opusperf::cli {

void add_bench_command(CLI::App& app, int& exit_code);

}  // namespace opusperf::cli
