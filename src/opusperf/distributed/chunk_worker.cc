#include "opusperf/distributed/chunk_worker.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "opusperf/core/errors.h"

namespace opusperf::distributed {
namespace {

using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock;
constexpr milliseconds kCommandTimeout{5000};
constexpr int kResultTtlS = 3600;  // results of a coordinator that never reads them expire
constexpr int kDeadLetterMax = 10000;

// Sleeps up to `d`, waking early when `stop` is set.
void sleep_unless_stopped(const std::atomic<bool>& stop, milliseconds d) {
  const auto until = SteadyTime::now() + d;
  while (!stop.load() && SteadyTime::now() < until)
    std::this_thread::sleep_for(milliseconds(50));
}

std::string default_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}-{}", host[0] != '\0' ? host : "worker", ::getpid());
}

double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0;
  in >> one;
  return one;
}

}  // namespace

// One consumer of the group: a thread with its own connection.
class ChunkWorker::Consumer {
 public:
  Consumer(ChunkWorker& worker, std::string name) : w_(worker), name_(std::move(name)) {}

  void run(const std::atomic<bool>& stop) {
    milliseconds backoff{0};
    while (!stop.load()) {
      try {
        if (!connection_ || connection_->broken()) {
          connection_ = std::make_unique<RedisConnection>(w_.options_.endpoint, kCommandTimeout);
          ensure_job_group(*connection_, w_.names_);
          if (backoff.count() > 0)
            spdlog::info("{}: connected to {}", name_, w_.options_.endpoint.url());
          backoff = milliseconds(0);
        }
        step();
      } catch (const RedisError& e) {
        connection_.reset();
        backoff =
            backoff.count() == 0 ? milliseconds(500) : std::min(backoff * 2, milliseconds(10'000));
        spdlog::warn("{}: {}; retrying in {} ms", name_, e.what(), backoff.count());
        sleep_unless_stopped(stop, backoff);
      }
    }
  }

 private:
  // Takes one job (a reclaimed one first) and handles it; returns after the poll time when idle.
  void step() {
    RedisConnection& c = *connection_;
    const StreamNames& n = w_.names_;
    const RedisValue claimed =
        c.command({"XAUTOCLAIM", n.jobs(), StreamNames::kGroup, name_,
                   std::to_string(w_.options_.visibility_timeout.count()), "0-0", "COUNT", "1"});
    if (claimed.is_array() && claimed.size() >= 2 && claimed[1].size() > 0) {
      handle(claimed[1][0], true);
      return;
    }
    c.set_timeout(w_.options_.poll + kCommandTimeout);
    const RedisValue read =
        c.command({"XREADGROUP", "GROUP", StreamNames::kGroup, name_, "COUNT", "1", "BLOCK",
                   std::to_string(w_.options_.poll.count()), "STREAMS", n.jobs(), ">"});
    c.set_timeout(kCommandTimeout);
    if (read.is_array() && read.size() > 0 && read[0].size() >= 2 && read[0][1].size() > 0)
      handle(read[0][1][0], false);
  }

  void finish(const std::string& id) {
    connection_->command({"XACK", w_.names_.jobs(), StreamNames::kGroup, id});
    connection_->command({"XDEL", w_.names_.jobs(), id});
  }

  void dead_letter(const std::string& id, Fields fields, const std::string& error,
                   long long attempts) {
    fields.emplace_back("job_id", id);
    fields.emplace_back("error", error);
    fields.emplace_back("worker", name_);
    fields.emplace_back("attempts", std::to_string(attempts));
    const std::string key = w_.names_.dead();  // the views below must not outlive it
    std::vector<std::string_view> args = {"XADD", key, "MAXLEN", "~"};
    const std::string max = std::to_string(kDeadLetterMax);
    args.push_back(max);
    args.push_back("*");
    for (const auto& [k, v] : fields) {
      args.push_back(k);
      args.push_back(v);
    }
    connection_->command(args);
    w_.dead_.fetch_add(1);
    if (w_.job_counters_[2]) w_.job_counters_[2]->inc();
    spdlog::error("{}: job {} moved to the dead-letter stream {} after {} attempt(s): {}", name_,
                  id, w_.names_.dead(), attempts, error);
  }

  void publish(const ChunkJob& job, const ChunkOutcome& out) {
    const std::string key = w_.names_.results(job.run);
    connection_->command(xadd_args(key, out.to_fields()));
    connection_->command({"EXPIRE", key, std::to_string(kResultTtlS)});
  }

  void handle(const RedisValue& entry, bool reclaimed) {
    RedisConnection& c = *connection_;
    const StreamNames& n = w_.names_;
    const std::string id = entry[0].str;
    if (entry.size() < 2 || !entry[1].is_array()) {  // deleted while pending
      c.command({"XACK", n.jobs(), StreamNames::kGroup, id});
      return;
    }
    const Fields fields = fields_of(entry[1]);
    ChunkJob job;
    try {
      job = ChunkJob::from_fields(fields);
    } catch (const InputError& e) {
      dead_letter(id, fields, e.what(), 1);
      finish(id);
      return;
    }
    if (c.command({"EXISTS", n.run_alive(job.run)}).integer == 0) {
      w_.abandoned_.fetch_add(1);
      spdlog::info("{}: dropping job {} (chunk {} of run {}): its coordinator is gone", name_, id,
                   job.chunk, job.run);
      finish(id);
      return;
    }
    // Redis counts deliveries itself (XREADGROUP, XAUTOCLAIM), also those to a consumer that died
    // before doing anything: that count is the attempt number.
    const RedisValue pending = c.command({"XPENDING", n.jobs(), StreamNames::kGroup, id, id, "1"});
    const long long attempt =
        pending.size() == 1 && pending[0].size() >= 4 ? pending[0][3].integer : 1;
    ChunkOutcome out;
    out.run = job.run;
    out.chunk = job.chunk;
    out.worker = name_;
    out.attempt = static_cast<std::uint32_t>(attempt);
    if (reclaimed) w_.reclaimed_.fetch_add(1);
    if (attempt > static_cast<long long>(w_.options_.max_attempts)) {
      out.payload = fmt::format(
          "chunk {} was delivered {} times without finishing (its workers "
          "died or took longer than the visibility timeout)",
          job.chunk, attempt - 1);
      dead_letter(id, fields, out.payload, attempt - 1);
      publish(job, out);
      finish(id);
      return;
    }
    if (w_.options_.on_start) w_.options_.on_start(job, reclaimed);
    w_.in_flight_.fetch_add(1);
    const auto t0 = SteadyTime::now();
    try {
      std::error_code ec;
      const auto size = std::filesystem::file_size(job.path, ec);
      if (ec)
        throw InputError(
            fmt::format("{}: cannot read on worker {}: {}", job.path, name_, ec.message()));
      if (size != job.file_size) {
        throw InputError(
            fmt::format("{}: {} bytes on worker {}, {} on the coordinator (not the "
                        "same file on this host)",
                        job.path, size, name_, job.file_size));
      }
      bool decoded = false;
      const auto decode = [&] {
        decoded = true;
        return video::analyze_chunk(job.path, job.span, job.window_s);
      };
      std::shared_ptr<const video::ChunkResult> r;
      if (w_.options_.chunk_cache) {
        r = w_.options_.chunk_cache(video::chunk_cache_key(job.content_key, job.span, job.window_s),
                                    decode);
      } else {
        r = std::make_shared<const video::ChunkResult>(decode());
      }
      out.ok = true;
      out.payload = video::serialize(*r);
      out.frames = r->frames.size();
      out.from_cache = !decoded;
    } catch (const RedisError&) {
      w_.in_flight_.fetch_sub(1);
      throw;
    } catch (const std::exception& e) {
      out.ok = false;
      out.payload = e.what();
    }
    w_.in_flight_.fetch_sub(1);
    out.seconds = std::chrono::duration<double>(SteadyTime::now() - t0).count();
    if (!out.ok) {
      w_.failed_.fetch_add(1);
      w_.consecutive_failures_.fetch_add(1);
      if (w_.job_counters_[1]) w_.job_counters_[1]->inc();
      if (attempt < static_cast<long long>(w_.options_.max_attempts)) {
        // Left pending: whichever worker reclaims it after the visibility timeout retries it.
        spdlog::warn("{}: chunk {} of run {} failed (attempt {} of {}), will be retried: {}", name_,
                     job.chunk, job.run, attempt, w_.options_.max_attempts, out.payload);
        if (w_.options_.on_job) w_.options_.on_job(job, out);
        return;
      }
      dead_letter(id, fields, out.payload, attempt);
    } else {
      w_.done_.fetch_add(1);
      w_.consecutive_failures_.store(0);
      w_.frames_.fetch_add(out.frames);
      if (out.from_cache) w_.cached_.fetch_add(1);
      if (w_.job_counters_[0]) w_.job_counters_[0]->inc();
    }
    publish(job, out);
    finish(id);
    if (w_.options_.on_job) w_.options_.on_job(job, out);
  }

  ChunkWorker& w_;
  const std::string name_;
  std::unique_ptr<RedisConnection> connection_;
};

ChunkWorker::ChunkWorker(ChunkWorkerOptions options) : options_(std::move(options)) {
  if (options_.concurrency == 0) throw InputError("--concurrency: must be at least 1");
  if (options_.max_attempts == 0) throw InputError("--max-attempts: must be at least 1");
  if (options_.visibility_timeout < milliseconds(100))
    throw InputError("--visibility-timeout: must be at least 0.1 s");
  if (options_.name.empty()) options_.name = default_name();
  names_.ns = options_.ns;
  if (options_.metrics != nullptr) {
    Family<Counter>& jobs = options_.metrics->counter(
        "opusperf_worker_jobs_total", "Chunk jobs this worker finished, by result", {"result"});
    job_counters_[0] = &jobs.with({"ok"});
    job_counters_[1] = &jobs.with({"failed"});
    job_counters_[2] = &jobs.with({"dead_letter"});
  }
}

void ChunkWorker::heartbeat_loop(const std::atomic<bool>& stop) {
  std::unique_ptr<RedisConnection> c;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  const auto beat = [&](bool leaving) {
    if (!c || c->broken())
      c = std::make_unique<RedisConnection>(options_.endpoint, kCommandTimeout);
    if (leaving) {
      c->command({"HDEL", names_.workers(), options_.name});
      return;
    }
    const ChunkWorkerStats s = stats();
    const nlohmann::json j = {
        {"host", host},
        {"pid", ::getpid()},
        {"consumers", options_.concurrency},
        {"in_flight", s.in_flight},
        {"healthy", s.healthy()},
        {"done", s.done},
        {"failed", s.failed},
        {"dead_lettered", s.dead_lettered},
        {"reclaimed", s.reclaimed},
        {"from_cache", s.from_cache},
        {"frames", s.frames},
        {"load1", load_average()},
        {"uptime_s",
         std::chrono::duration<double>(std::chrono::system_clock::now() - started_).count()},
        {"last_seen_ms", unix_ms()}};
    c->command({"HSET", names_.workers(), options_.name, j.dump()});
  };
  while (!stop.load()) {
    try {
      beat(false);
    } catch (const std::exception&) {
      c.reset();  // the consumers log the outage; the heartbeat just tries again
    }
    sleep_unless_stopped(stop, milliseconds(1000));
  }
  try {
    beat(true);
  } catch (const std::exception&) {
  }
}

void ChunkWorker::run(const std::atomic<bool>& stop) {
  spdlog::info("worker {}: {} consumer(s) on {} (stream {}, group {})", options_.name,
               options_.concurrency, options_.endpoint.url(), names_.jobs(), StreamNames::kGroup);
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<Consumer>> consumers;
  for (unsigned i = 0; i < options_.concurrency; ++i) {
    consumers.push_back(std::make_unique<Consumer>(
        *this,
        options_.concurrency == 1 ? options_.name : fmt::format("{}/{}", options_.name, i + 1)));
    threads.emplace_back([&stop, c = consumers.back().get()] { c->run(stop); });
  }
  std::thread heartbeat([this, &stop] { heartbeat_loop(stop); });
  for (std::thread& t : threads)
    t.join();
  heartbeat.join();
}

ChunkWorkerStats ChunkWorker::stats() const {
  ChunkWorkerStats s;
  s.done = done_.load();
  s.failed = failed_.load();
  s.dead_lettered = dead_.load();
  s.reclaimed = reclaimed_.load();
  s.from_cache = cached_.load();
  s.frames = frames_.load();
  s.abandoned = abandoned_.load();
  s.in_flight = in_flight_.load();
  s.consecutive_failures = consecutive_failures_.load();
  return s;
}

}  // namespace opusperf::distributed
