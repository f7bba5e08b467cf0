// `opusperf quickstart batch`: many videos through the clip pipeline's analysis, one job per file
// on the optimizer's WorkerPool (the balance component: workers from max_workers and the cores,
// load_balancing_strategy picks each file's worker), against the same files analysed one after
// another on the calling thread. Prints each file's frames and cuts, the wall time of both runs,
// the speed-up and each worker's share, and checks both runs found the same cuts.
//
// The files are the VIDEO arguments, else --synthetic N built-in test videos (each with its own
// known cuts, written to a temp folder and removed afterwards) plus the sample media under
// data/media/ when the set-up script has fetched them.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <future>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "command_registry.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/balance_component.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/video/clip_pipeline.h"
#include "opusperf/video/synthetic_video.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

namespace fs = std::filesystem;

struct BatchOptions {
  std::vector<std::string> videos;
  int synthetic = 4;
};

// Writes `n` short synthetic videos, each with its own cuts, into `dir`.
std::vector<fs::path> write_synthetic_set(const fs::path& dir, int n) {
  fs::create_directories(dir);
  std::vector<fs::path> out;
  for (int i = 0; i < n; ++i) {
    video::SyntheticVideoSpec spec;
    spec.duration_s = 12;
    spec.cuts_s = {3.0 + 0.4 * i, 6.6 + 0.2 * i, 9.2};
    spec.loud = {{7.0, 8.5}};
    out.push_back(dir / fmt::format("synthetic-{}.mp4", i + 1));
    video::write_synthetic_video(out.back(), spec);
  }
  return out;
}

// The analysis of one file on one thread, as a pool job runs it.
nlohmann::json analyse(const fs::path& file) {
  video::ClipPipelineOptions p;
  p.video = file;
  p.analyze_only = true;
  p.use_cache = false;  // both runs decode: the comparison is of where the work runs
  p.threads = 1;
  return video::run_clip_pipeline(p);
}

std::string cuts_text(const nlohmann::json& r) {
  std::string s;
  for (const auto& c : r["cuts"])
    s += fmt::format("{}{:.2f}", s.empty() ? "" : " ", c.get<double>());
  return s.empty() ? "none" : s;
}

int run_batch(const BatchOptions& o, const QuickstartContext& ctx) {
  if (o.synthetic < 0 || o.synthetic > 64) throw InputError("--synthetic must be in [0, 64]");
  av_log_set_level(AV_LOG_FATAL);
  std::vector<fs::path> files;
  for (const std::string& v : o.videos) {
    if (!fs::is_regular_file(v)) throw InputError(v + ": no such file");
    files.emplace_back(v);
  }
  const fs::path scratch =
      fs::temp_directory_path() / fmt::format("opusperf-quickstart-batch-{}", ::getpid());
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{scratch};
  if (files.empty()) {
    files = write_synthetic_set(scratch, o.synthetic);
    for (const char* name : {"Megamind.avi", "vtest.avi"}) {
      if (fs::is_regular_file(fs::path("data/media") / name))
        files.push_back(fs::path("data/media") / name);
    }
  }
  if (files.empty()) throw InputError("no videos: give VIDEO arguments or --synthetic N > 0");

  OptimizationConfig cfg = ctx.config;
  PerformanceOptimizer opt(cfg);
  ServeScope serve(opt, ctx.serve);
  WorkerPoolOptions po = BalanceComponent::options_from(cfg);
  po.workers = std::min<std::size_t>(po.workers, std::max(1u, std::thread::hardware_concurrency()));
  auto component = std::make_unique<BalanceComponent>(std::move(po), opt.metrics());
  WorkerPool& pool = component->pool();
  opt.add_component(std::move(component));
  std::cerr << fmt::format(
      "quickstart batch: {} videos, analysed one after another, then one job a "
      "file on {} workers ({}), profile {}\n",
      files.size(), pool.size(), cfg.load_balancing_strategy, cfg.profile);

  auto [sequential, seq_m] = opt.optimize_operation({"videos_sequential", files.size()}, [&] {
    std::vector<nlohmann::json> out;
    for (const fs::path& f : files)
      out.push_back(analyse(f));
    return out;
  });
  auto [pooled, pool_m] = opt.optimize_operation({"videos_on_pool", files.size()}, [&] {
    std::vector<std::future<nlohmann::json>> futures;
    for (const fs::path& f : files) {
      futures.push_back(pool.submit(
          [&opt, f] {
            return opt.optimize_operation({"analyse_video", 1}, [&] { return analyse(f); }).first;
          },
          f.filename().string()));
    }
    std::vector<nlohmann::json> out;
    for (auto& fut : futures)
      out.push_back(fut.get());
    return out;
  });

  std::cout << fmt::format("  {:<22} {:>7} {:>9}  {}\n", "video", "frames", "fps", "cuts (s)");
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (pooled[i]["cuts"] != sequential[i]["cuts"] ||
        pooled[i]["frames"] != sequential[i]["frames"]) {
      throw RuntimeError(
          fmt::format("quickstart batch: {}: the pool's analysis differs from the "
                      "sequential one",
                      files[i].string()));
    }
    std::cout << fmt::format("  {:<22} {:>7} {:>9.2f}  {}\n", files[i].filename().string(),
                             pooled[i]["frames"].get<std::uint64_t>(),
                             pooled[i]["fps"].get<double>(), cuts_text(pooled[i]));
  }
  const double seq_s = std::chrono::duration<double>(seq_m.wall_time).count();
  const double pool_s = std::chrono::duration<double>(pool_m.wall_time).count();
  std::cout << fmt::format(
      "{} videos: one after another {:.2f} s, on the pool {:.2f} s: {:.2f}x on {} hardware "
      "threads (same frames and cuts)\n",
      files.size(), seq_s, pool_s, seq_s / pool_s, std::thread::hardware_concurrency());
  pool.drain();
  std::cout << fmt::format("  {:<10} {:>7} {:>8} {:>10}\n", "worker", "videos", "share", "p50 s");
  for (const WorkerSnapshot& w : pool.balancer().snapshot().workers) {
    std::cout << fmt::format("  {:<10} {:>7} {:>7.1f}% {:>10.2f}\n", w.name, w.requests,
                             w.share_percent,
                             static_cast<double>(w.latency_ns.percentile(0.5)) / 1e9);
  }
  std::cout << "\n";
  finish_quickstart(opt, ctx);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "batch",
    "many videos through the clip pipeline's analysis on the worker pool, against one thread",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<BatchOptions>();
      cmd.add_option("videos", o->videos, "Video files (default: built-in and sample videos)");
      cmd.add_option("--synthetic", o->synthetic,
                     "Built-in test videos to make when no VIDEO is given")
          ->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_batch(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
