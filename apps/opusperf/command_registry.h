// Self-registration of quickstart examples and bench suites. Each example or suite lives in its own
// file (quickstart_<name>.cc, bench_<name>.cc) and registers itself at start-up with a namespace-
// scope `const bool kRegistered = register_...({...});`, so adding one edits no shared file.
//
// Thread-safety: registration happens during static initialisation, before main(); the lists are
// read-only afterwards.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "opusperf/core/config.h"
#include "serve_options.h"

namespace opusperf::cli {

// What every quickstart example receives: the resolved config (--profile, --config), where to
// write the JSON report (--report; empty for none) and whether to serve the run live (--serve,
// --linger). An example serves its run by constructing `ServeScope serve(opt, ctx.serve);` right
// after its PerformanceOptimizer (serve_options.h).
struct QuickstartContext {
  OptimizationConfig config;
  std::string report_file;
  ServeSettings serve;
};

using QuickstartRunner = std::function<int(const QuickstartContext&)>;

struct QuickstartExample {
  std::string name;
  std::string description;
  // Adds the example's own options to its subcommand and returns the function that runs it.
  std::function<QuickstartRunner(CLI::App& command)> setup;
};

struct BenchSuite {
  std::string name;
  std::string description;
  // Adds the suite's options (including --json) and its callback, which sets `exit_code`.
  std::function<void(CLI::App& command, int& exit_code)> setup;
};

// Registers an example / a suite. Returns true, for use in a static initialiser.
bool register_quickstart(QuickstartExample example);
bool register_bench_suite(BenchSuite suite);

const std::vector<QuickstartExample>& quickstart_examples();
const std::vector<BenchSuite>& bench_suites();

}  // namespace opusperf::cli
