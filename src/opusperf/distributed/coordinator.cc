#include "opusperf/distributed/coordinator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <vector>

#include "opusperf/core/errors.h"
#include "opusperf/distributed/chunk_jobs.h"
#include "opusperf/distributed/redis_connection.h"
#include "opusperf/video/chunk_analysis.h"

namespace opusperf::distributed {
namespace fs = std::filesystem;
namespace {

using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock;
constexpr milliseconds kCommandTimeout{5000};
constexpr milliseconds kPoll{500};
constexpr int kAliveTtlMs = 30'000;

std::string new_run_id() {
  std::random_device rd;
  std::mt19937_64 g((static_cast<std::uint64_t>(rd()) << 32) ^ rd());
  return fmt::format("{:016x}", g());
}

std::map<std::string, std::string> read_workers(RedisConnection& c, const StreamNames& names,
                                                milliseconds max_age) {
  std::map<std::string, std::string> out;
  const RedisValue all = c.command({"HGETALL", names.workers()});
  const std::int64_t now = unix_ms();
  for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
    const auto j = nlohmann::json::parse(all[i + 1].str, nullptr, false);
    if (j.is_discarded() || !j.contains("last_seen_ms")) continue;
    if (now - j["last_seen_ms"].get<std::int64_t>() <= max_age.count())
      out[all[i].str] = all[i + 1].str;
  }
  return out;
}

}  // namespace

std::map<std::string, std::string> live_workers(const RedisEndpoint& endpoint,
                                                const std::string& ns, milliseconds max_age) {
  RedisConnection c(endpoint, kCommandTimeout);
  return read_workers(c, StreamNames{ns}, max_age);
}

video::Analysis analyze_distributed(const fs::path& video, const std::string& content_key,
                                    const DistributedOptions& o, DistributedRun* run_out) {
  const fs::path path = fs::absolute(video);
  const video::ChunkPlan plan =
      video::plan_chunks(path, {o.plan_threads, o.min_chunk_s, 1, o.max_chunk_s});
  const double window_s = video::Analysis{}.loudness_window_s;
  const StreamNames names{o.ns};
  DistributedRun run;
  run.run_id = new_run_id();
  run.chunks = static_cast<unsigned>(plan.chunks.size());

  RedisConnection c(o.endpoint, kCommandTimeout);
  ensure_job_group(c, names);
  const std::string alive = names.run_alive(run.run_id);
  const std::string results = names.results(run.run_id);
  const auto keep_alive = [&] {
    c.command({"SET", alive, path.string(), "PX", std::to_string(kAliveTtlMs)});
  };
  keep_alive();
  // The run's keys go whatever happens; results still on their way expire on their own.
  struct Cleanup {
    RedisConnection& c;
    const std::string alive;
    const std::string results;
    ~Cleanup() {
      try {
        c.command({"DEL", alive, results});
      } catch (const std::exception&) {
      }
    }
  } cleanup{c, alive, results};

  const std::uint64_t file_size = fs::file_size(path);
  for (std::size_t i = 0; i < plan.chunks.size(); ++i) {
    ChunkJob job;
    job.run = run.run_id;
    job.chunk = static_cast<std::uint32_t>(i);
    job.chunks = run.chunks;
    job.path = path.string();
    job.file_size = file_size;
    job.content_key = content_key;
    job.span = plan.chunks[i];
    job.window_s = window_s;
    c.command(xadd_args(names.jobs(), job.to_fields()));
  }
  spdlog::info("coordinator: run {}: {} chunk jobs for {} on {}", run.run_id, run.chunks,
               path.string(), o.endpoint.url());

  std::vector<std::optional<video::ChunkResult>> parts(plan.chunks.size());
  unsigned received = 0;
  std::string last_id = "0-0";
  auto last_progress = SteadyTime::now();
  auto last_alive = SteadyTime::now();
  bool warned_no_workers = false;
  while (received < run.chunks) {
    if (SteadyTime::now() - last_alive > milliseconds(kAliveTtlMs / 6)) {
      keep_alive();
      last_alive = SteadyTime::now();
    }
    c.set_timeout(kPoll + kCommandTimeout);
    const RedisValue read = c.command({"XREAD", "COUNT", "64", "BLOCK",
                                       std::to_string(kPoll.count()), "STREAMS", results, last_id});
    c.set_timeout(kCommandTimeout);
    if (read.is_array() && read.size() > 0) {
      for (const RedisValue& entry : read[0][1].elements) {
        last_id = entry[0].str;
        const ChunkOutcome out = ChunkOutcome::from_fields(fields_of(entry[1]));
        if (out.chunk >= parts.size()) continue;
        if (!out.ok) {
          throw RuntimeError(fmt::format(
              "{}: chunk {} of {} failed after {} attempt(s) on worker {}: {} (job kept in the "
              "dead-letter stream {})",
              path.string(), out.chunk + 1, run.chunks, out.attempt, out.worker, out.payload,
              names.dead()));
        }
        if (parts[out.chunk]) {
          ++run.duplicates;
          continue;
        }
        std::optional<video::ChunkResult> r = video::deserialize_chunk(out.payload);
        if (!r) {
          throw RuntimeError(
              fmt::format("chunk {} from worker {} does not decode (mixed opusperf "
                          "versions?)",
                          out.chunk, out.worker));
        }
        parts[out.chunk] = std::move(r);
        ++received;
        if (out.attempt > 1) ++run.retried;
        WorkerShare& s = run.workers[out.worker];
        ++s.chunks;
        s.frames += out.frames;
        s.seconds += out.seconds;
        if (out.from_cache) ++s.from_cache;
        if (o.frames_done) o.frames_done->fetch_add(out.frames, std::memory_order_relaxed);
        last_progress = SteadyTime::now();
      }
    }
    const auto waited = SteadyTime::now() - last_progress;
    if (o.on_wait || (!warned_no_workers && waited > std::chrono::seconds(5))) {
      const auto workers = read_workers(c, names, milliseconds(5000));
      if (o.on_wait) o.on_wait(received, run.chunks, static_cast<unsigned>(workers.size()));
      if (workers.empty() && waited > std::chrono::seconds(5) && !warned_no_workers) {
        spdlog::warn(
            "coordinator: no worker has reported to {} in 5 s; start one with `opusperf "
            "worker --redis {}`",
            o.endpoint.url(), o.endpoint.url());
        warned_no_workers = true;
      }
    }
    if (waited > o.stall_timeout) {
      throw RuntimeError(fmt::format(
          "{}: no chunk finished for {} s ({} of {} done); are workers running (`opusperf worker "
          "--redis {}`) and can they read the file at that path?",
          path.string(), o.stall_timeout.count() / 1000, received, run.chunks, o.endpoint.url()));
    }
  }
  std::vector<video::ChunkResult> ordered;
  ordered.reserve(parts.size());
  for (auto& p : parts)
    ordered.push_back(std::move(*p));
  video::Analysis a = video::join_chunks(plan.info, window_s, std::move(ordered));
  try {
    run.heartbeats = read_workers(c, names, milliseconds(5000));
  } catch (const RedisError&) {
    // The analysis is complete; a report without heartbeats is still a result.
  }
  if (run_out) *run_out = std::move(run);
  return a;
}

}  // namespace opusperf::distributed
