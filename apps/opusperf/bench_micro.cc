// `opusperf bench micro`: the Google Benchmark micro-benchmarks linked into this binary (every
// *_benchmark.cc). With --json, Google Benchmark's JSON document on stdout.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "command_registry.h"
#include "opusperf/core/errors.h"

namespace opusperf::cli {
namespace {

struct MicroOptions {
  std::string filter = ".";
  double min_time = 0.5;
  int repetitions = 1;
  bool json = false;
};

int run_micro(const MicroOptions& o) {
  if (o.min_time <= 0) throw InputError("bench micro: --min-time must be > 0 seconds");
  if (o.repetitions < 1) throw InputError("bench micro: --repetitions must be at least 1");
  std::vector<std::string> args = {
      "opusperf-bench-micro",
      "--benchmark_filter=" + o.filter,
      fmt::format("--benchmark_min_time={}", o.min_time),
      fmt::format("--benchmark_repetitions={}", o.repetitions),
      std::string("--benchmark_format=") + (o.json ? "json" : "console"),
  };
  if (o.repetitions > 1) args.push_back("--benchmark_report_aggregates_only=true");
  std::vector<char*> argv;
  for (std::string& a : args)
    argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  benchmark::Initialize(&argc, argv.data());
  const std::size_t ran = benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (ran == 0)
    throw InputError(fmt::format("bench micro: no benchmark matches --filter '{}'", o.filter));
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_bench_suite({
    "micro",
    "Google Benchmark micro-benchmarks of the runtime",
    [](CLI::App& cmd, int& exit_code) {
      auto o = std::make_shared<MicroOptions>();
      cmd.add_option("--filter", o->filter, "Regex of benchmark names to run")
          ->capture_default_str();
      cmd.add_option("--min-time", o->min_time, "Minimum seconds per benchmark")
          ->capture_default_str();
      cmd.add_option("--repetitions", o->repetitions, "Repetitions (aggregates reported when > 1)")
          ->capture_default_str();
      cmd.add_flag("--json", o->json, "Print one JSON object (Google Benchmark format) to stdout");
      cmd.callback([o, &exit_code] { exit_code = run_micro(*o); });
    },
});

}  // namespace
}  // namespace opusperf::cli
