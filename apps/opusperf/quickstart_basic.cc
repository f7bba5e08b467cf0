// `opusperf quickstart basic`: a CPU frame-analysis workload run through optimize_operation, with
// the measured figures printed as tables and, with --report, saved as JSON.
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <numeric>

#include "command_registry.h"
#include "frame_workload.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

struct BasicOptions {
  int frames = 600;
  int batch = 30;
  int width = 1280;
  int height = 720;
};

int run_basic(const BasicOptions& o, const QuickstartContext& ctx) {
  if (o.frames < 1 || o.batch < 1) throw InputError("--frames and --batch must be at least 1");
  if (o.width < 3 || o.height < 3) throw InputError("--width and --height must be at least 3");
  PerformanceOptimizer opt(ctx.config);
  ServeScope serve(opt, ctx.serve);
  FrameWorkload workload(o.width, o.height, /*seed=*/42);

  std::cerr << fmt::format("quickstart basic: {} frames of {}x{} in batches of {}, profile {}\n",
                           o.frames, o.width, o.height, o.batch, ctx.config.profile);
  double motion_total = 0;
  for (int first = 0; first < o.frames; first += o.batch) {
    const int n = std::min(o.batch, o.frames - first);
    const auto units = static_cast<std::uint64_t>(n);
    auto [frames, gen] = opt.optimize_operation({"generate_frames", units},
                                                [&] { return workload.generate(first, n); });
    auto [motion, an] =
        opt.optimize_operation({"analyse_frames", units}, [&] { return workload.analyse(frames); });
    motion_total += std::accumulate(motion.begin(), motion.end(), 0.0);
  }
  opt.force_optimization();
  std::cout << fmt::format("mean motion energy {:.3f} over {} frames\n\n", motion_total / o.frames,
                           o.frames);
  finish_quickstart(opt, ctx);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "basic",
    "optimize_operation measuring a CPU frame-analysis workload",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<BasicOptions>();
      cmd.add_option("--frames", o->frames, "Frames to process")->capture_default_str();
      cmd.add_option("--batch", o->batch, "Frames per operation call")->capture_default_str();
      cmd.add_option("--width", o->width, "Frame width")->capture_default_str();
      cmd.add_option("--height", o->height, "Frame height")->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_basic(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
