// `opusperf clip [VIDEO] --out DIR ...`: long video in, ranked highlight clips out (see
// src/opusperf/video/clip_pipeline.h). With --json it prints one JSON object on stdout; progress
// goes to stderr, drawn only on a terminal. Exit codes: 0 ok, 1 runtime failure, 2 bad input.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

extern "C" {
#include <libavutil/log.h>
}

#include "config_options.h"
#include "opusperf/core/errors.h"
#include "opusperf/distributed/chunk_cache.h"
#include "opusperf/distributed/coordinator.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/optimizer/balance_component.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/optimizer/standard_components.h"
#include "opusperf/optimizer/tune_component.h"
#include "opusperf/video/clip_pipeline.h"
#include "opusperf/video/feature_cache.h"
#include "opusperf/video/progress_bar.h"
#include "serve_options.h"

namespace opusperf::cli {
namespace {

struct ClipFlags {
  std::string video;
  std::string out;
  std::string cache_dir;
  std::string reframe;
  int clips = 3;
  double min_len = 5;
  double max_len = 30;
  unsigned threads = 0;
  bool analyze_only = false;
  bool no_cache = false;
  bool json = false;
  std::string report_file;
  std::string distributed;  // redis://HOST:PORT: chunks analysed by `opusperf worker` processes
  std::string cache_tier;   // redis://HOST:PORT: Redis second tier for the chunk cache
  std::string redis_namespace = "opusperf";
  double stall_timeout = 120;
  ServeSettings serve;
  ConfigOptions config;
};

void print_summary(const nlohmann::json& r) {
  std::cout << fmt::format("{}: {:.2f} s, {} frames at {:.3f} fps\n", r["video"].get<std::string>(),
                           r["duration_s"].get<double>(), r["frames"].get<std::uint64_t>(),
                           r["fps"].get<double>());
  std::string cuts;
  for (const auto& c : r["cuts"])
    cuts += fmt::format(" {:.3f}", c.get<double>());
  std::cout << "cuts (s):" << (cuts.empty() ? " none" : cuts) << "\n";
  for (const auto& s : r["skipped"]) {
    std::cout << fmt::format("skipped (undecodable): {:.3f} .. {:.3f} s\n", s[0].get<double>(),
                             s[1].get<double>());
  }
  int rank = 1;
  for (const auto& c : r["clips"]) {
    std::cout << fmt::format("clip {}: {:.3f} .. {:.3f} s  score {:.3f}  {}  {}\n", rank++,
                             c["start"].get<double>(), c["end"].get<double>(),
                             c["score"].get<double>(), c["file"].get<std::string>(),
                             c["thumbnail"].get<std::string>());
  }
  const auto& t = r["timing"];
  std::cout << fmt::format("analyze {:.3f} s ({:.0f} fps, cache {}), export {:.3f} s\n",
                           t["analyze_s"].get<double>(), t["analyze_fps"].get<double>(),
                           t["cache"].get<std::string>(), t["export_s"].get<double>());
}

// Adds who did the work to the result (`"distributed"`) and to the metrics the report and /metrics
// show: each worker's share of the chunks and frames.
void add_distributed_section(nlohmann::json& result, const distributed::DistributedRun& run,
                             PerformanceOptimizer& opt) {
  Family<Gauge>& share =
      opt.metrics().gauge("opusperf_distributed_worker_share",
                          "Share of the run's chunks each worker analysed", {"worker"});
  Family<Gauge>& frames = opt.metrics().gauge("opusperf_distributed_worker_frames",
                                              "Frames of the run each worker analysed", {"worker"});
  nlohmann::json workers = nlohmann::json::object();
  for (const auto& [name, w] : run.workers) {
    const double s = run.chunks ? static_cast<double>(w.chunks) / run.chunks : 0;
    share.with({name}).set(s);
    frames.with({name}).set(static_cast<double>(w.frames));
    workers[name] = {{"chunks", w.chunks},
                     {"frames", w.frames},
                     {"share", std::round(s * 1000) / 1000},
                     {"from_cache", w.from_cache},
                     {"busy_s", std::round(w.seconds * 1000) / 1000}};
  }
  nlohmann::json alive = nlohmann::json::object();
  for (const auto& [name, beat] : run.heartbeats) {
    const auto j = nlohmann::json::parse(beat, nullptr, false);
    if (j.is_discarded()) continue;
    alive[name] = {{"host", j.value("host", "")},          {"load1", j.value("load1", 0.0)},
                   {"in_flight", j.value("in_flight", 0)}, {"done", j.value("done", 0)},
                   {"failed", j.value("failed", 0)},       {"healthy", j.value("healthy", false)}};
  }
  result["distributed"] = {{"run", run.run_id},      {"workers_alive", alive},
                           {"chunks", run.chunks},   {"duplicates_ignored", run.duplicates},
                           {"retried", run.retried}, {"workers", workers}};
}

int run_clip(const ClipFlags& f) {
  const OptimizationConfig config = resolve_config(f.config);
  video::ClipPipelineOptions o;
  if (!f.video.empty()) o.video = f.video;
  o.out_dir = f.out;
  o.clips = f.clips;
  o.min_len_s = f.min_len;
  o.max_len_s = f.max_len;
  o.analyze_only = f.analyze_only;
  o.cache_dir = f.cache_dir;
  o.use_cache = !f.no_cache;
  if (!f.reframe.empty() && f.reframe != "9:16") {
    throw InputError("--reframe: '" + f.reframe + "' is not supported (only 9:16)");
  }
  o.reframe_9_16 = f.reframe == "9:16";
  // Chunks at once: --threads, else the cores, capped by the profile's max_workers.
  o.threads = f.threads ? f.threads
                        : std::min<unsigned>(std::max(1u, std::thread::hardware_concurrency()),
                                             config.max_workers);
  // The run is watched like any service on the runtime: the pipeline is one operation, and its
  // progress goes to gauges the dashboard (--serve) and the report show.
  PerformanceOptimizer opt(config);
  ServeScope serve(opt, f.serve);
  // Analysis chunks run on a WorkerPool of --threads workers (the balancer picks each chunk's
  // worker), and with adaptive tuning on, the tuner's pool_concurrency knob sets how many decode
  // at once, judged on chunks per second.
  WorkerPool* pool = nullptr;
  if (config.enable_load_balancing) {
    WorkerPoolOptions po = BalanceComponent::options_from(config);
    po.workers = o.threads;
    auto balance = std::make_unique<BalanceComponent>(std::move(po), opt.metrics());
    pool = &balance->pool();
    opt.add_component(std::move(balance));
    if (config.enable_adaptive_tuning) {
      auto tune = std::make_unique<TuneComponent>(config, opt.metrics());
      add_pool_concurrency_knob(tune->tuner(), *pool);
      opt.add_component(std::move(tune));
    }
    o.submit_chunk = [pool, &opt](std::function<void()> job) {
      return pool->submit([&opt, job = std::move(job)] {
        opt.optimize_operation({"analyze_chunk", 1}, job);
      });
    };
  }
  // The chunk cache: a SmartCache keyed by content and chunk, with second tiers: a folder of chunk
  // files in the cache dir (an interrupted run resumes where it stopped) and, under --cache-tier,
  // Redis shared by other runs and workers.
  std::optional<distributed::ChunkCache> chunk_cache;
  if (o.use_cache) {
    distributed::ChunkCacheOptions co;
    co.disk_dir = (f.cache_dir.empty() ? video::FeatureCache::default_dir()
                                       : std::filesystem::path(f.cache_dir)) /
                  "chunks";
    if (!f.cache_tier.empty()) {
      co.redis = distributed::shared_chunk_tier(distributed::parse_redis_url(f.cache_tier),
                                                f.redis_namespace, &opt.metrics());
    }
    chunk_cache.emplace(std::move(co));
    o.chunk_cache = chunk_cache->as_function();
  }
  distributed::DistributedRun run;
  if (!f.distributed.empty()) {
    if (!(f.stall_timeout > 0)) throw InputError("--stall-timeout: must be above 0 seconds");
    distributed::DistributedOptions d;
    d.endpoint = distributed::parse_redis_url(f.distributed);
    d.ns = f.redis_namespace;
    d.stall_timeout = std::chrono::milliseconds(static_cast<long long>(f.stall_timeout * 1000));
    o.analyze = [d, &run](const std::filesystem::path& video, const std::string& key,
                          std::atomic<std::uint64_t>& frames_done,
                          unsigned& chunks_decoded) mutable {
      d.frames_done = &frames_done;
      video::Analysis a = distributed::analyze_distributed(video, key, d, &run);
      chunks_decoded = run.chunks - static_cast<unsigned>(run.chunks_from_cache());
      return a;
    };
  }
  Family<Gauge>& done = opt.metrics().gauge(
      "opusperf_clip_progress_done", "Units the clip pipeline's stage has finished", {"stage"});
  Family<Gauge>& total = opt.metrics().gauge(
      "opusperf_clip_progress_total", "Units of the clip pipeline's stage (0: unknown)", {"stage"});
  video::ProgressBar bar(stderr);
  o.progress = [&](const video::ClipProgress& p) {
    bar.update(p);
    done.with({p.stage}).set(static_cast<double>(p.done));
    total.with({p.stage}).set(static_cast<double>(p.total));
  };
  nlohmann::json result;
  try {
    result =
        opt.optimize_operation({"clip_pipeline", 1}, [&] { return video::run_clip_pipeline(o); })
            .first;
  } catch (...) {
    bar.finish();
    throw;
  }
  bar.finish();
  if (!f.distributed.empty() && !run.run_id.empty()) add_distributed_section(result, run, opt);
  if (chunk_cache) {
    if (auto t = chunk_cache->tier_stats()) {
      result["cache_tier"] = {{"hits", t->hits},           {"misses", t->misses},
                              {"stores", t->stores},       {"fallbacks", t->fallbacks},
                              {"too_large", t->too_large}, {"reconnects", t->reconnects}};
    }
  }
  if (f.json) {
    std::cout << result.dump() << "\n";
  } else {
    print_summary(result);
  }
  if (!f.report_file.empty()) {
    opt.report().save(f.report_file);
    std::cerr << "report written to " << f.report_file << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_clip_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<ClipFlags>();
  CLI::App* cmd = app.add_subcommand(
      "clip", "Turn a long video into ranked highlight clips (no VIDEO: a built-in test video)");
  cmd->add_option("video", f->video, "Video file (any container/codec FFmpeg reads)");
  cmd->add_option("--out", f->out, "Folder for the clips, thumbnails and manifest.json");
  cmd->add_option("--clips", f->clips, "Number of clips (K)")->capture_default_str();
  cmd->add_option("--min-len", f->min_len, "Shortest clip, seconds")->capture_default_str();
  cmd->add_option("--max-len", f->max_len, "Longest clip, seconds")->capture_default_str();
  cmd->add_option("--reframe", f->reframe,
                  "Crop to an aspect ratio that follows the motion (9:16)");
  cmd->add_flag("--analyze-only", f->analyze_only, "Analyse and find cuts; export nothing");
  cmd->add_option("--cache-dir", f->cache_dir,
                  "Feature cache folder (default $XDG_CACHE_HOME/opusperf)");
  cmd->add_flag("--no-cache", f->no_cache, "Neither read nor write the feature cache");
  cmd->add_option("--threads", f->threads,
                  "Chunks analysed at once (default: cores, at most max_workers)");
  cmd->add_flag("--json", f->json, "Print one JSON object on stdout");
  cmd->add_option("--report", f->report_file, "Write the run's JSON report to this file");
  cmd->add_option("--distributed", f->distributed,
                  "Analyse the chunks on `opusperf worker` processes through this Redis "
                  "(redis://HOST:PORT); the file must be at the same path on every worker");
  cmd->add_option("--cache-tier", f->cache_tier,
                  "Share decoded chunks through this Redis (redis://HOST:PORT) as a second cache "
                  "tier; Redis being down only costs decoding");
  cmd->add_option("--redis-namespace", f->redis_namespace,
                  "Prefix of every Redis key and stream used")
      ->capture_default_str();
  cmd->add_option("--stall-timeout", f->stall_timeout,
                  "With --distributed: give up when no chunk finishes for this many seconds")
      ->capture_default_str();
  add_serve_options(*cmd, f->serve);
  add_config_options(*cmd, f->config);
  cmd->callback([f, &exit_code] {
    // libav's own warnings about damaged input are reported by the pipeline as skipped ranges.
    av_log_set_level(AV_LOG_FATAL);
    exit_code = run_clip(*f);
  });
}

}  // namespace opusperf::cli
