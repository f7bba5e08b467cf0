#include "quickstart.h"

#include <algorithm>
#include <array>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "config_options.h"
#include "frame_workload.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "report_table.h"

namespace opusperf::cli {
namespace {

struct Example {
  std::string_view name;
  std::string_view shows;
  // Empty when the example runs in this build; otherwise the component it still needs.
  std::string_view missing_component;
};

constexpr std::array<Example, 9> kExamples = {{
    {"basic", "optimize_operation measuring a CPU frame-analysis workload", ""},
    {"caching", "SmartCache hit ratio and cache_result", "SmartCache (src/opusperf/cache)"},
    {"memory", "MemoryOptimizer pressure response and leak detection",
     "MemoryOptimizer (src/opusperf/memory)"},
    {"gpu", "GPUOptimizer caching allocator and precision", "GPUOptimizer (src/opusperf/gpu)"},
    {"load_balancing", "LoadBalancer policies over a WorkerPool",
     "LoadBalancer (src/opusperf/balance)"},
    {"adaptive", "AdaptivePerformanceTuner changing knobs", "AdaptivePerformanceTuner (src/opusperf/tune)"},
    {"video", "the clip pipeline on a sample video", "clip pipeline (src/opusperf/video)"},
    {"batch", "batched work spread over workers", "LoadBalancer (src/opusperf/balance)"},
    {"comprehensive", "every component together", "SmartCache, MemoryOptimizer, GPUOptimizer, "
                                                   "LoadBalancer, AdaptivePerformanceTuner"},
}};

struct QuickstartOptions {
  std::string example;
  ConfigOptions config;
  std::string report_file;
  int frames = 600;
  int batch = 30;
  int width = 1280;
  int height = 720;
};

int run_basic(const QuickstartOptions& o) {
  if (o.frames < 1 || o.batch < 1) throw InputError("--frames and --batch must be at least 1");
  if (o.width < 3 || o.height < 3) throw InputError("--width and --height must be at least 3");
  OptimizationConfig cfg = resolve_config(o.config);
  PerformanceOptimizer opt(cfg);
  FrameWorkload workload(o.width, o.height, /*seed=*/42);

  std::cerr << fmt::format("quickstart basic: {} frames of {}x{} in batches of {}, profile {}\n",
                           o.frames, o.width, o.height, o.batch, cfg.profile);
  double motion_total = 0;
  for (int first = 0; first < o.frames; first += o.batch) {
    const int n = std::min(o.batch, o.frames - first);
    const auto units = static_cast<std::uint64_t>(n);
    auto [frames, gen] = opt.optimize_operation({"generate_frames", units},
                                                [&] { return workload.generate(first, n); });
    auto [motion, an] = opt.optimize_operation({"analyse_frames", units},
                                               [&] { return workload.analyse(frames); });
    motion_total += std::accumulate(motion.begin(), motion.end(), 0.0);
  }
  const ForceOptimizationResult forced = opt.force_optimization();
  Report report = opt.report();
  std::cout << "\n";
  print_report_table(report, std::cout);
  std::cout << fmt::format("\nmean motion energy {:.3f} over {} frames; force_optimization took {}\n",
                           motion_total / o.frames, o.frames,
                           fmt::format("{:.2f} ms", forced.took.count() / 1e6));
  if (!o.report_file.empty()) {
    report.save(o.report_file);
    std::cout << "report written to " << o.report_file << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_quickstart_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<QuickstartOptions>();
  std::string names;
  for (const Example& e : kExamples) names += fmt::format("\n  {:<15} {}", e.name, e.shows);
  CLI::App* sub = app.add_subcommand("quickstart", "Run one of the quick-start examples:" + names);
  sub->add_option("example", opts->example, "Example name")->required();
  add_config_options(*sub, opts->config);
  sub->add_option("--report", opts->report_file, "Write the run's JSON report to this file");
  sub->add_option("--frames", opts->frames, "basic: frames to process")->capture_default_str();
  sub->add_option("--batch", opts->batch, "basic: frames per operation call")->capture_default_str();
  sub->add_option("--width", opts->width, "basic: frame width")->capture_default_str();
  sub->add_option("--height", opts->height, "basic: frame height")->capture_default_str();
  sub->callback([opts, &exit_code] {
    const auto it = std::find_if(kExamples.begin(), kExamples.end(),
                                 [&](const Example& e) { return e.name == opts->example; });
    if (it == kExamples.end()) {
      std::string valid;
      for (const Example& e : kExamples) valid += (valid.empty() ? "" : ", ") + std::string(e.name);
      throw InputError(fmt::format("quickstart: unknown example '{}'; examples are: {}", opts->example, valid));
    }
    if (!it->missing_component.empty()) {
      throw RuntimeError(fmt::format("quickstart '{}' needs {}, which this build does not include yet",
                                     it->name, it->missing_component));
    }
    exit_code = run_basic(*opts);
  });
}

}  // namespace opusperf::cli
