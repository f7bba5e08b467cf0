// analyze_distributed: the coordinator's side of `opusperf clip --distributed redis://HOST:PORT`.
// It plans the video's chunks (chunk_analysis.h), puts one job per chunk on the Redis Stream
// ns:jobs, and gathers the outcomes that `opusperf worker` processes publish on the run's result
// stream until every chunk is in, then joins them into the same Analysis a local run makes. A chunk
// that arrives twice (a reclaimed job whose first worker finished after all) is counted once.
//
//   DistributedOptions o;  o.endpoint = parse_redis_url("redis://127.0.0.1:6379");
//   DistributedRun run;
//   video::Analysis a = analyze_distributed("/data/talk.mp4", content_key, o, &run);
//   run.workers["host-123"].chunks;   // per-worker shares for the report
//
// Errors: Redis unreachable -> RuntimeError naming the URL; a chunk that failed on every attempt
// (dead-lettered) -> RuntimeError with the worker's error; no chunk finishing for `stall_timeout`
// (no workers running?) -> RuntimeError saying so. The run's keys are removed at the end; while it
// waits, ns:run:RUN is kept alive, so workers drop the jobs of a coordinator that died.
//
// Thread-safety: reentrant. Cost: one read of the file's keyframe index for the plan; results are
// ~24 bytes a frame.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "opusperf/distributed/redis_endpoint.h"
#include "opusperf/video/analysis.h"

namespace opusperf::distributed {

struct DistributedOptions {
  RedisEndpoint endpoint;
  std::string ns = "opusperf";
  // Chunks to aim for: the plan is made as for this many decoders (chunk_analysis.h), at least
  // min_chunk_s each. More chunks spread better over workers; each costs one keyframe seek.
  unsigned plan_threads = 8;
  double min_chunk_s = 4.0;
  // Longest chunk: a long video gets more chunks rather than longer ones, so each job stays short
  // next to the visibility timeout and the stall timeout.
  double max_chunk_s = 120.0;
  std::chrono::milliseconds stall_timeout{120'000};   // no outcome for this long: give up
  std::atomic<std::uint64_t>* frames_done = nullptr;  // progress, frames of chunks received
  // Called now and then while waiting (chunks received, chunks planned, workers alive).
  std::function<void(unsigned done, unsigned total, unsigned workers)> on_wait = nullptr;
};

struct WorkerShare {
  std::uint64_t chunks = 0;
  std::uint64_t frames = 0;
  std::uint64_t from_cache = 0;
  double seconds = 0;
};

struct DistributedRun {
  std::string run_id;
  unsigned chunks = 0;
  std::uint64_t duplicates = 0;  // outcomes for a chunk already received (ignored)
  std::uint64_t retried = 0;     // chunks whose accepted outcome came after more than one delivery
  std::map<std::string, WorkerShare> workers;
  // The heartbeats (load, health, counts; JSON text) of the workers alive at the end of the run.
  std::map<std::string, std::string> heartbeats;

  // Chunks whose accepted outcome a worker served from its chunk cache (not decoded this run).
  std::uint64_t chunks_from_cache() const {
    std::uint64_t n = 0;
    for (const auto& [name, w] : workers)
      n += w.from_cache;
    return n;
  }
};

// Returns the analysis of `video` (content_key: FeatureCache::content_key of it) made by workers.
video::Analysis analyze_distributed(const std::filesystem::path& video,
                                    const std::string& content_key,
                                    const DistributedOptions& options,
                                    DistributedRun* run = nullptr);

// Returns the worker heartbeats in ns:workers seen within `max_age` (name -> heartbeat JSON text).
std::map<std::string, std::string> live_workers(const RedisEndpoint& endpoint,
                                                const std::string& ns,
                                                std::chrono::milliseconds max_age);

}  // namespace opusperf::distributed
