// `opusperf quickstart batch`: a frame-analysis job cut into batches and spread over the
// optimizer's worker pool (the balance component: max_workers workers, load_balancing_strategy),
// against the same batches run one after another on the calling thread. Prints the wall time of
// both, the speed-up, each worker's share and latency, and checks the two runs agree.
#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <iostream>
#include <memory>
#include <numeric>
#include <vector>

#include "command_registry.h"
#include "frame_workload.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/balance_component.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

struct BatchOptions {
  int frames = 480;
  int batch = 32;
  int width = 480;
  int height = 270;
};

// One batch: generate frames [first, first + n) and return their summed motion energy. Each batch
// has its own FrameWorkload, so batches are independent and may run anywhere, in any order.
double analyse_batch(const BatchOptions& o, int first, int n) {
  FrameWorkload workload(o.width, o.height, /*seed=*/42);
  const std::vector<double> motion = workload.analyse(workload.generate(first, n));
  return std::accumulate(motion.begin(), motion.end(), 0.0);
}

int run_batch(const BatchOptions& o, const QuickstartContext& ctx) {
  if (o.frames < 1 || o.batch < 1) throw InputError("--frames and --batch must be at least 1");
  if (o.width < 3 || o.height < 3) throw InputError("--width and --height must be at least 3");
  PerformanceOptimizer opt(ctx.config);
  ServeScope serve(opt, ctx.serve);
  auto component = std::make_unique<BalanceComponent>(ctx.config, opt.metrics());
  WorkerPool& pool = component->pool();
  opt.add_component(std::move(component));
  const int batches = (o.frames + o.batch - 1) / o.batch;
  const auto units = static_cast<std::uint64_t>(o.frames);
  std::cerr << fmt::format(
      "quickstart batch: {} frames of {}x{} in {} batches over {} workers ({}), profile {}\n",
      o.frames, o.width, o.height, batches, pool.size(), ctx.config.load_balancing_strategy,
      ctx.config.profile);

  auto [sequential, seq_m] = opt.optimize_operation({"batches_sequential", units}, [&] {
    std::vector<double> out;
    for (int b = 0; b < batches; ++b)
      out.push_back(analyse_batch(o, b * o.batch, std::min(o.batch, o.frames - b * o.batch)));
    return out;
  });
  auto [pooled, pool_m] = opt.optimize_operation({"batches_on_pool", units}, [&] {
    std::vector<std::future<double>> futures;
    for (int b = 0; b < batches; ++b) {
      const int first = b * o.batch;
      const int n = std::min(o.batch, o.frames - first);
      futures.push_back(pool.submit([&o, first, n] { return analyse_batch(o, first, n); }));
    }
    std::vector<double> out;
    for (auto& f : futures)
      out.push_back(f.get());
    return out;
  });
  if (pooled != sequential) {
    throw RuntimeError("quickstart batch: the pool's results differ from the sequential run's");
  }

  const double seq_ms = std::chrono::duration<double, std::milli>(seq_m.wall_time).count();
  const double pool_ms = std::chrono::duration<double, std::milli>(pool_m.wall_time).count();
  std::cout << fmt::format(
      "{} batches: sequential {:.1f} ms, on the pool {:.1f} ms: {:.2f}x (results identical, mean "
      "motion {:.3f})\n",
      batches, seq_ms, pool_ms, seq_ms / pool_ms,
      std::accumulate(pooled.begin(), pooled.end(), 0.0) / o.frames);
  pool.drain();
  std::cout << fmt::format("  {:<10} {:>8} {:>8} {:>10} {:>10}\n", "worker", "batches", "share",
                           "p50 ms", "p99 ms");
  for (const WorkerSnapshot& w : pool.balancer().snapshot().workers) {
    std::cout << fmt::format("  {:<10} {:>8} {:>7.1f}% {:>10.2f} {:>10.2f}\n", w.name, w.requests,
                             w.share_percent,
                             static_cast<double>(w.latency_ns.percentile(0.5)) / 1e6,
                             static_cast<double>(w.latency_ns.percentile(0.99)) / 1e6);
  }
  std::cout << "\n";
  finish_quickstart(opt, ctx);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "batch",
    "batches of frame analysis spread over the worker pool, against one thread",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<BatchOptions>();
      cmd.add_option("--frames", o->frames, "Frames to process")->capture_default_str();
      cmd.add_option("--batch", o->batch, "Frames per batch (one pool job)")->capture_default_str();
      cmd.add_option("--width", o->width, "Frame width")->capture_default_str();
      cmd.add_option("--height", o->height, "Frame height")->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_batch(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
