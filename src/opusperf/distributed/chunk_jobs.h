// The wire format of distributed chunk analysis on Redis: where things live (StreamNames) and what
// a job and its outcome carry (ChunkJob, ChunkOutcome), as Redis Stream entries of field/value
// pairs. The coordinator (coordinator.h) writes jobs and reads outcomes; workers (chunk_worker.h)
// do the reverse.
//
//   StreamNames names{"opusperf"};
//   conn.command(xadd_args(names.jobs(), job.to_fields()));
//   ChunkJob job = ChunkJob::from_fields(entry_fields);    // InputError when malformed
//
// Keys under the namespace `ns` (default "opusperf"):
//   ns:jobs            stream of ChunkJob, read by the consumer group "workers"
//   ns:results:RUN     stream of ChunkOutcome for one coordinator run
//   ns:dead            dead-letter stream: jobs that failed max_attempts times, with their error
//   ns:workers         hash worker name -> heartbeat JSON (load, health, counts)
//   ns:run:RUN         present while the coordinator of RUN waits (expires when it dies)
//   ns:chunk:KEY       a decoded chunk in the shared cache tier (chunk_cache.h), by chunk_cache_key
//
// Thread-safety: plain value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "opusperf/distributed/redis_connection.h"
#include "opusperf/video/chunk_analysis.h"

namespace opusperf::distributed {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct StreamNames {
  std::string ns = "opusperf";
  static constexpr std::string_view kGroup = "workers";

  std::string jobs() const { return ns + ":jobs"; }
  std::string results(std::string_view run) const { return ns + ":results:" + std::string(run); }
  std::string dead() const { return ns + ":dead"; }
  std::string workers() const { return ns + ":workers"; }
  std::string run_alive(std::string_view run) const { return ns + ":run:" + std::string(run); }
  std::string chunk_prefix() const { return ns + ":chunk:"; }
};

struct ChunkJob {
  std::string run;
  std::uint32_t chunk = 0;   // index in the coordinator's plan
  std::uint32_t chunks = 0;  // chunks in the plan
  std::string path;          // absolute; the same file must be there on every worker's host
  std::uint64_t file_size = 0;
  std::string content_key;  // FeatureCache::content_key of the file
  video::ChunkSpan span;
  double window_s = 0.5;

  Fields to_fields() const;
  // Throws InputError naming the missing or malformed field.
  static ChunkJob from_fields(const Fields& fields);
};

struct ChunkOutcome {
  std::string run;
  std::uint32_t chunk = 0;
  std::string worker;
  bool ok = false;
  std::string payload;  // ok: serialize(ChunkResult); else the error message
  std::uint64_t frames = 0;
  double seconds = 0;         // time the worker spent on the job
  bool from_cache = false;    // served by the worker's chunk cache (local or Redis tier)
  std::uint32_t attempt = 1;  // deliveries of the job so far (above 1: retried or reclaimed)

  Fields to_fields() const;
  static ChunkOutcome from_fields(const Fields& fields);
};

// Creates the consumer group (and the jobs stream) unless it exists. Throws RedisError.
void ensure_job_group(RedisConnection& c, const StreamNames& names);
// Returns the wall clock in Unix milliseconds: the time base of heartbeats' last_seen_ms.
std::int64_t unix_ms();

// Returns the field/value pairs of one stream entry ([field, value, field, value, ...]).
Fields fields_of(const RedisValue& flat);
// Returns XADD KEY * f1 v1 f2 v2 ... as arguments (views into `key` and `fields`).
std::vector<std::string_view> xadd_args(const std::string& key, const Fields& fields);

}  // namespace opusperf::distributed
