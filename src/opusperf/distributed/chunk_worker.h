// ChunkWorker: the `opusperf worker --redis URL` loop. It takes chunk jobs from the Redis Stream
// ns:jobs in the consumer group "workers" (XREADGROUP), decodes them (analyze_chunk, through an
// optional chunk cache), publishes each outcome on the run's result stream and acknowledges the job
// (XACK). Before taking new work it reclaims jobs another consumer has held longer than the
// visibility timeout (XAUTOCLAIM), so a job held by a dead or stuck worker is done by another.
// Redis counts every delivery of a job (XPENDING); a job delivered more than max_attempts times,
// or failing on its last attempt, goes to the dead-letter stream ns:dead with its error, and the
// coordinator is told. A failed job that has attempts left stays pending and is retried by
// whichever worker reclaims it after the visibility timeout.
//
//   ChunkWorkerOptions o;  o.endpoint = parse_redis_url("redis://127.0.0.1:6379");
//   std::atomic<bool> stop{false};          // set from a signal handler to finish and leave
//   ChunkWorker(o).run(stop);
//
// Each of `concurrency` threads is its own consumer ("NAME/1", "NAME/2", ...) with its own
// connection. The worker publishes a heartbeat (load, jobs done and failed, health) to ns:workers
// every second. Losing Redis is not fatal: it logs, backs off and reconnects.
//
// Thread-safety: run() once per object; stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "opusperf/distributed/chunk_jobs.h"
#include "opusperf/distributed/redis_endpoint.h"
#include "opusperf/monitor/metric_registry.h"

namespace opusperf::distributed {

struct ChunkWorkerOptions {
  RedisEndpoint endpoint;
  std::string ns = "opusperf";
  std::string name;  // empty: HOST-PID
  unsigned concurrency = 1;
  std::chrono::milliseconds visibility_timeout{30'000};  // reclaim jobs held longer than this
  unsigned max_attempts = 3;                             // deliveries before the dead-letter stream
  std::chrono::milliseconds poll{1000};                  // XREADGROUP BLOCK
  // Decodes through this cache when set (a SmartCache with a Redis tier in `opusperf worker`).
  std::function<std::shared_ptr<const video::ChunkResult>(
      const std::string& key, const std::function<video::ChunkResult()>& load)>
      chunk_cache = nullptr;
  // Counts jobs (opusperf_worker_jobs_total{result}) and frames into it when set.
  Registry* metrics = nullptr;
  // Called on a worker thread after each job (for logs): the job, and its outcome.
  std::function<void(const ChunkJob&, const ChunkOutcome&)> on_job = nullptr;
  // Called on a worker thread when a job is taken, before decoding starts.
  std::function<void(const ChunkJob&, bool reclaimed)> on_start = nullptr;
};

struct ChunkWorkerStats {
  std::uint64_t done = 0;
  std::uint64_t failed = 0;  // attempts that threw
  std::uint64_t dead_lettered = 0;
  std::uint64_t reclaimed = 0;  // jobs taken over from another consumer
  std::uint64_t from_cache = 0;
  std::uint64_t frames = 0;
  std::uint64_t abandoned = 0;  // jobs of a coordinator that is gone, dropped undone
  unsigned in_flight = 0;
  unsigned consecutive_failures = 0;  // attempts that threw since the last success
  bool healthy() const { return consecutive_failures < 3; }
};

class ChunkWorker {
 public:
  // Throws InputError for concurrency 0, max_attempts 0 or a visibility timeout under 100 ms.
  explicit ChunkWorker(ChunkWorkerOptions options);

  // Works until `stop` becomes true (a job in progress is finished first).
  void run(const std::atomic<bool>& stop);

  ChunkWorkerStats stats() const;
  const std::string& name() const { return options_.name; }

 private:
  class Consumer;
  void heartbeat_loop(const std::atomic<bool>& stop);

  ChunkWorkerOptions options_;
  StreamNames names_;
  const std::chrono::system_clock::time_point started_ = std::chrono::system_clock::now();
  std::atomic<std::uint64_t> done_{0}, failed_{0}, dead_{0}, reclaimed_{0}, cached_{0}, frames_{0},
      abandoned_{0};
  std::atomic<unsigned> in_flight_{0};
  std::atomic<unsigned> consecutive_failures_{0};
  Counter* job_counters_[3] = {};  // ok, failed, dead_letter
};

}  // namespace opusperf::distributed
