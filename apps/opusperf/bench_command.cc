#include "bench_command.h"

#include <fmt/format.h>

#include <string>

#include "command_registry.h"
#include "opusperf/core/errors.h"

namespace opusperf::cli {

void add_bench_command(CLI::App& app, int& exit_code) {
  CLI::App* bench = app.add_subcommand("bench", "Run benchmarks (each suite accepts --json)");
  for (const BenchSuite& suite : bench_suites()) {
    CLI::App* cmd = bench->add_subcommand(suite.name, suite.description);
    suite.setup(*cmd, exit_code);
  }
  // After the suites: subcommands inherit allow_extras from their parent.
  bench->allow_extras();
  bench->callback([bench] {
    if (!bench->get_subcommands().empty()) return;
    std::string names;
    for (const BenchSuite& suite : bench_suites())
      names += (names.empty() ? "" : ", ") + suite.name;
    const auto extras = bench->remaining();
    throw InputError(extras.empty() ? fmt::format("bench: name a suite: {}", names)
                                    : fmt::format("bench: unknown suite '{}'; suites are: {}",
                                                  extras.front(), names));
  });
}

}  // namespace opusperf::cli
