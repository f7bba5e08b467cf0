// `opusperf worker --redis redis://HOST:PORT`: a chunk-analysis worker for `opusperf clip
// --distributed` (src/opusperf/distributed/chunk_worker.h). It runs until SIGINT or SIGTERM, then
// finishes the job in hand and leaves; a worker killed outright loses nothing (its jobs are
// reclaimed by the others after --visibility-timeout). One line per job goes to stderr.
// Exit codes: 0 stopped by a signal, 2 bad flags.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>

extern "C" {
#include <libavutil/log.h>
}

#include "config_options.h"
#include "opusperf/core/errors.h"
#include "opusperf/distributed/chunk_cache.h"
#include "opusperf/distributed/chunk_worker.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "serve_options.h"

namespace opusperf::cli {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int) {
  g_stop.store(true);
}

struct WorkerFlags {
  std::string redis;
  std::string name;
  std::string redis_namespace = "opusperf";
  unsigned concurrency = 1;
  double visibility_timeout = 30;
  unsigned max_attempts = 3;
  double cache_mb = 256;
  bool no_cache_tier = false;
  std::string report_file;
  ServeSettings serve;
  ConfigOptions config;
};

int run_worker(const WorkerFlags& f) {
  const OptimizationConfig config = resolve_config(f.config);
  if (!(f.visibility_timeout >= 0.1 && f.visibility_timeout <= 86400))
    throw InputError("--visibility-timeout: must be within 0.1 .. 86400 seconds");
  if (!(f.cache_mb >= 0)) throw InputError("--cache-mb: must be 0 or more");
  distributed::ChunkWorkerOptions o;
  o.endpoint = distributed::parse_redis_url(f.redis);
  o.ns = f.redis_namespace;
  o.name = f.name;
  o.concurrency = f.concurrency;
  o.max_attempts = f.max_attempts;
  o.visibility_timeout =
      std::chrono::milliseconds(static_cast<long long>(f.visibility_timeout * 1000));

  PerformanceOptimizer opt(config);
  o.metrics = &opt.metrics();
  // Decoded chunks are kept in a local SmartCache and, unless --no-cache-tier, in Redis as a
  // second tier, so a chunk any worker decoded is not decoded again by any of them.
  std::optional<distributed::ChunkCache> cache;
  if (f.cache_mb > 0 || !f.no_cache_tier) {
    distributed::ChunkCacheOptions co;
    // +1: a byte limit of 0 would mean none, and --cache-mb 0 asks to keep nothing locally.
    co.max_bytes = static_cast<std::uint64_t>(f.cache_mb * (1 << 20)) + 1;
    if (!f.no_cache_tier)
      co.redis = distributed::shared_chunk_tier(o.endpoint, o.ns, &opt.metrics());
    cache.emplace(std::move(co));
    o.chunk_cache = cache->as_function();
  }
  o.on_start = [](const distributed::ChunkJob& job, bool reclaimed) {
    std::cerr << fmt::format("worker: chunk {}/{} of run {} started{}\n", job.chunk + 1, job.chunks,
                             job.run, reclaimed ? " (reclaimed)" : "");
  };
  o.on_job = [](const distributed::ChunkJob& job, const distributed::ChunkOutcome& out) {
    std::cerr << fmt::format("worker: chunk {}/{} of run {} {}: {} frames in {:.2f} s{}\n",
                             job.chunk + 1, job.chunks, job.run, out.ok ? "done" : "FAILED",
                             out.frames, out.seconds, out.from_cache ? " (cache)" : "");
  };
  distributed::ChunkWorker worker(std::move(o));
  // Served only now that the worker's metrics are registered: a first scrape sees all of them.
  ServeScope serve(opt, f.serve);
  const std::string name = worker.name();
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  std::cerr << fmt::format("opusperf worker {}: waiting for chunk jobs on {} (Ctrl-C to stop)\n",
                           name, f.redis);
  worker.run(g_stop);
  const distributed::ChunkWorkerStats s = worker.stats();
  std::cerr << fmt::format(
      "opusperf worker {}: stopped; {} job(s) done ({} from cache, {} reclaimed), {} failed, {} "
      "dead-lettered, {} frames\n",
      name, s.done, s.from_cache, s.reclaimed, s.failed, s.dead_lettered, s.frames);
  if (!f.report_file.empty()) {
    opt.report().save(f.report_file);
    std::cerr << "report written to " << f.report_file << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_worker_command(CLI::App& app, int& exit_code) {
  auto f = std::make_shared<WorkerFlags>();
  CLI::App* cmd = app.add_subcommand(
      "worker", "Analyse chunk jobs for `opusperf clip --distributed` (runs until Ctrl-C)");
  cmd->add_option("--redis", f->redis, "Redis to take jobs from (redis://HOST:PORT)")->required();
  cmd->add_option("--name", f->name, "This worker's name in reports (default HOST-PID)");
  cmd->add_option("--redis-namespace", f->redis_namespace,
                  "Prefix of every Redis key and stream used (as given to clip)")
      ->capture_default_str();
  cmd->add_option("--concurrency", f->concurrency, "Jobs worked on at once")->capture_default_str();
  cmd->add_option("--visibility-timeout", f->visibility_timeout,
                  "Seconds a job may be held before other workers reclaim it")
      ->capture_default_str();
  cmd->add_option("--max-attempts", f->max_attempts,
                  "Deliveries of a job before it goes to the dead-letter stream")
      ->capture_default_str();
  cmd->add_option("--cache-mb", f->cache_mb, "Local chunk cache size in MiB (0: none)")
      ->capture_default_str();
  cmd->add_flag("--no-cache-tier", f->no_cache_tier,
                "Do not share decoded chunks through Redis (decode every job)");
  cmd->add_option("--report", f->report_file, "Write the worker's JSON report here on exit");
  add_serve_options(*cmd, f->serve);
  add_config_options(*cmd, f->config);
  cmd->callback([f, &exit_code] {
    av_log_set_level(AV_LOG_FATAL);
    exit_code = run_worker(*f);
  });
}

}  // namespace opusperf::cli
