#include "quickstart.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "command_registry.h"
#include "config_options.h"
#include "opusperf/core/errors.h"

namespace opusperf::cli {
namespace {

// The original system's nine examples. Each runs once its file (quickstart_<name>.cc) registers it;
// until then its subcommand exits 1 naming the component it still needs.
struct PlannedExample {
  std::string_view name;
  std::string_view needs;
};

constexpr std::array<PlannedExample, 9> kPlannedExamples = {{
    {"basic", "PerformanceOptimizer"},
    {"caching", "SmartCache (src/opusperf/cache)"},
    {"memory", "MemoryOptimizer (src/opusperf/memory)"},
    {"gpu", "GPUOptimizer (src/opusperf/gpu)"},
    {"load_balancing", "LoadBalancer and WorkerPool (src/opusperf/balance)"},
    {"adaptive", "AdaptivePerformanceTuner (src/opusperf/tune)"},
    {"video", "the clip pipeline (src/opusperf/video)"},
    {"batch", "LoadBalancer and WorkerPool (src/opusperf/balance)"},
    {"comprehensive",
     "SmartCache, MemoryOptimizer, GPUOptimizer, LoadBalancer and AdaptivePerformanceTuner"},
}};

// Adds the options every example shares and runs `runner` with the resolved context.
void add_example(CLI::App& quickstart, const QuickstartExample& example, int& exit_code) {
  CLI::App* cmd = quickstart.add_subcommand(example.name, example.description);
  auto config = std::make_shared<ConfigOptions>();
  auto report_file = std::make_shared<std::string>();
  auto serve = std::make_shared<ServeSettings>();
  add_config_options(*cmd, *config);
  cmd->add_option("--report", *report_file, "Write the run's JSON report to this file");
  add_serve_options(*cmd, *serve);
  QuickstartRunner runner = example.setup(*cmd);
  cmd->callback([config, report_file, serve, runner, &exit_code] {
    QuickstartContext ctx{resolve_config(*config), *report_file, *serve};
    if (!ctx.serve.address.empty()) server_options(ctx.serve, ctx.config);  // bad flags exit 2 now
    exit_code = runner(ctx);
  });
}

}  // namespace

void add_quickstart_command(CLI::App& app, int& exit_code) {
  CLI::App* quickstart = app.add_subcommand("quickstart", "Run one of the quick-start examples");
  for (const PlannedExample& planned : kPlannedExamples) {
    const auto& registered = quickstart_examples();
    const auto it =
        std::find_if(registered.begin(), registered.end(),
                     [&](const QuickstartExample& e) { return e.name == planned.name; });
    if (it != registered.end()) {
      add_example(*quickstart, *it, exit_code);
      continue;
    }
    CLI::App* cmd = quickstart->add_subcommand(
        std::string(planned.name), fmt::format("(needs {}, not in this build)", planned.needs));
    cmd->allow_extras();
    cmd->callback([planned] {
      throw RuntimeError(
          fmt::format("quickstart '{}' needs {}, which this build does not include yet",
                      planned.name, planned.needs));
    });
  }
  // A missing or misspelt example gets a message listing the examples, not CLI11's generic one.
  // Set after the examples are added: subcommands inherit allow_extras from their parent.
  quickstart->allow_extras();
  quickstart->callback([quickstart] {
    if (!quickstart->get_subcommands().empty()) return;
    std::string names;
    for (const PlannedExample& e : kPlannedExamples)
      names += (names.empty() ? "" : ", ") + std::string(e.name);
    const auto extras = quickstart->remaining();
    throw InputError(extras.empty()
                         ? fmt::format("quickstart: name an example: {}", names)
                         : fmt::format("quickstart: unknown example '{}'; examples are: {}",
                                       extras.front(), names));
  });
}

}  // namespace opusperf::cli
