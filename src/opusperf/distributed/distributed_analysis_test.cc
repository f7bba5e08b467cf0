// Coordinator and workers in one process against a real redis-server on loopback (started by the
// test): the distributed analysis equals the local one; a job held by a consumer that died (read,
// never acknowledged) is reclaimed and finished exactly once; a warm Redis tier lets fresh workers
// skip decoding; a poison job lands in the dead-letter stream and fails the run with its error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

extern "C" {
#include <libavutil/log.h>
}

#include "opusperf/core/errors.h"
#include "opusperf/distributed/chunk_cache.h"
#include "opusperf/distributed/chunk_worker.h"
#include "opusperf/distributed/coordinator.h"
#include "opusperf/distributed/redis_test_server.h"
#include "opusperf/video/feature_cache.h"
#include "opusperf/video/synthetic_video.h"
#include "opusperf/video/video_analyzer.h"

namespace opusperf::distributed {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Workers running on threads until the scope ends.
class WorkerSet {
 public:
  WorkerSet(const RedisTestServer& redis, int n, std::function<void(ChunkWorkerOptions&)> tweak) {
    for (int i = 0; i < n; ++i) {
      ChunkWorkerOptions o;
      o.endpoint = redis.endpoint();
      o.name = "w" + std::to_string(i + 1);
      o.poll = 100ms;
      o.visibility_timeout = 5s;  // above any chunk's decode time, even under a sanitizer
      if (tweak) tweak(o);
      workers_.push_back(std::make_unique<ChunkWorker>(o));
    }
    for (auto& w : workers_)
      threads_.emplace_back([this, w = w.get()] { w->run(stop_); });
  }
  ~WorkerSet() {
    stop_ = true;
    for (auto& t : threads_)
      t.join();
  }
  ChunkWorker& operator[](std::size_t i) { return *workers_[i]; }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<ChunkWorker>> workers_;
  std::vector<std::thread> threads_;
};

class DistributedAnalysisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    av_log_set_level(AV_LOG_ERROR);
    // spdlog builds its registry on first use, inside the uninstrumented libspdlog; building it
    // here, before any worker thread, keeps ThreadSanitizer from reporting a race it cannot see
    // the synchronisation of (one worker per process never meets this).
    spdlog::default_logger_raw();
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("opusperf_distributed_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    video::SyntheticVideoSpec s;
    s.width = 320;
    s.height = 180;
    s.duration_s = 12;
    s.cuts_s = {2.0, 4.4, 6.0, 9.5};
    s.loud = {{4.5, 5.5}};
    video::write_synthetic_video(*dir_ / "v.mp4", s);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  void SetUp() override {
    if (!redis_.started()) GTEST_SKIP() << "no redis-server: " << redis_.why_not();
  }
  static fs::path video() { return *dir_ / "v.mp4"; }
  DistributedOptions options() {
    DistributedOptions o;
    o.endpoint = redis_.endpoint();
    o.plan_threads = 4;
    o.min_chunk_s = 1.0;
    o.stall_timeout = 60s;
    return o;
  }
  static void expect_same(const video::Analysis& a, const video::Analysis& b) {
    ASSERT_EQ(a.frames.size(), b.frames.size());
    for (std::size_t i = 0; i < a.frames.size(); ++i) {
      EXPECT_EQ(a.frames[i].time_s, b.frames[i].time_s) << i;
      EXPECT_FLOAT_EQ(a.frames[i].content, b.frames[i].content) << i;
      EXPECT_FLOAT_EQ(a.frames[i].motion, b.frames[i].motion) << i;
    }
    ASSERT_EQ(a.loudness_db.size(), b.loudness_db.size());
    for (std::size_t i = 0; i < a.loudness_db.size(); ++i)
      EXPECT_NEAR(a.loudness_db[i], b.loudness_db[i], 1e-3) << i;
  }

  static fs::path* dir_;
  RedisTestServer redis_;
};
fs::path* DistributedAnalysisTest::dir_ = nullptr;

TEST_F(DistributedAnalysisTest, WorkersProduceTheLocalAnalysis) {
  WorkerSet workers(redis_, 3, nullptr);
  DistributedRun run;
  std::atomic<std::uint64_t> frames{0};
  DistributedOptions o = options();
  o.frames_done = &frames;
  const video::Analysis a =
      analyze_distributed(video(), video::FeatureCache::content_key(video()), o, &run);
  expect_same(a, video::analyze_video(video(), {.threads = 1}));
  EXPECT_GT(run.chunks, 2u);
  std::uint64_t chunks = 0;
  for (const auto& [name, w] : run.workers)
    chunks += w.chunks;
  EXPECT_EQ(chunks, run.chunks);
  EXPECT_GE(frames.load(), a.frames.size());
  // The run's keys are gone.
  RedisConnection c(redis_.endpoint(), 1s);
  EXPECT_EQ(c.command({"EXISTS", "opusperf:results:" + run.run_id}).integer, 0);
  EXPECT_EQ(c.command({"EXISTS", "opusperf:run:" + run.run_id}).integer, 0);
  EXPECT_EQ(c.command({"XLEN", "opusperf:jobs"}).integer, 0);
}

TEST_F(DistributedAnalysisTest, AJobHeldByADeadConsumerIsReclaimedAndCountedOnce) {
  DistributedRun run;
  auto coordinator = std::async(std::launch::async, [&] {
    return analyze_distributed(video(), video::FeatureCache::content_key(video()), options(), &run);
  });
  // A consumer takes the first job and dies without acknowledging it (as kill -9 would leave it).
  {
    RedisConnection c(redis_.endpoint(), 5s);
    ensure_job_group(c, StreamNames{});
    bool took = false;
    for (int i = 0; i < 200 && !took; ++i) {
      took = c.command({"XREADGROUP", "GROUP", "workers", "dead", "COUNT", "1", "BLOCK", "50",
                        "STREAMS", "opusperf:jobs", ">"})
                 .is_array();
    }
    ASSERT_TRUE(took);
  }
  WorkerSet workers(redis_, 2, [](ChunkWorkerOptions& o) { o.visibility_timeout = 1s; });
  const video::Analysis a = coordinator.get();
  expect_same(a, video::analyze_video(video(), {.threads = 1}));  // every chunk, each once
  EXPECT_GE(run.retried, 1u);  // the dead consumer's job, on its second delivery
  EXPECT_EQ(run.workers.count("dead"), 0u);
  std::uint64_t reclaimed = workers[0].stats().reclaimed + workers[1].stats().reclaimed;
  EXPECT_GE(reclaimed, 1u);
}

TEST_F(DistributedAnalysisTest, AWarmRedisTierLetsFreshWorkersSkipDecoding) {
  const auto tier_options = [&] {
    ChunkCacheOptions o;
    o.max_bytes = 1 << 20;
    o.redis = shared_chunk_tier(redis_.endpoint(), "opusperf", nullptr);
    return o;
  };
  const std::string key = video::FeatureCache::content_key(video());
  DistributedRun first, second;
  {
    ChunkCache cache(tier_options());
    WorkerSet workers(redis_, 2,
                      [&](ChunkWorkerOptions& o) { o.chunk_cache = cache.as_function(); });
    analyze_distributed(video(), key, options(), &first);
  }
  video::Analysis again;
  {
    ChunkCache cache(tier_options());  // a fresh worker set: empty local caches
    WorkerSet workers(redis_, 2,
                      [&](ChunkWorkerOptions& o) { o.chunk_cache = cache.as_function(); });
    again = analyze_distributed(video(), key, options(), &second);
    EXPECT_EQ(cache.tier_stats()->hits, second.chunks);
  }
  EXPECT_EQ(first.chunks_from_cache(), 0u);
  EXPECT_EQ(second.chunks_from_cache(), second.chunks);
  expect_same(again, video::analyze_video(video(), {.threads = 1}));
}

TEST_F(DistributedAnalysisTest, APoisonJobLandsInTheDeadLetterStreamWithItsError) {
  const fs::path text = *dir_ / "not_a_video.mp4";
  std::ofstream(text) << "this is not a video\n";
  ChunkJob job;
  job.run = "poison";
  job.chunk = 0;
  job.chunks = 1;
  job.path = text.string();
  job.file_size = fs::file_size(text);
  job.content_key = "x";
  RedisConnection c(redis_.endpoint(), 5s);
  c.command({"SET", "opusperf:run:poison", "1", "EX", "60"});
  c.command(xadd_args("opusperf:jobs", job.to_fields()));
  WorkerSet workers(redis_, 2, [](ChunkWorkerOptions& o) {
    o.max_attempts = 2;
    o.visibility_timeout = 200ms;
  });
  long long dead = 0;
  for (int i = 0; i < 200 && dead == 0; ++i) {
    dead = c.command({"XLEN", "opusperf:dead"}).integer;
    if (dead == 0) std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(dead, 1);
  const RedisValue entries = c.command({"XRANGE", "opusperf:dead", "-", "+"});
  const Fields f = fields_of(entries[0][1]);
  std::map<std::string, std::string> m(f.begin(), f.end());
  EXPECT_THAT(m["error"], HasSubstr("not_a_video.mp4"));
  EXPECT_EQ(m["attempts"], "2");
  EXPECT_EQ(m["path"], text.string());
  // The coordinator (if it were waiting) is told: a failed outcome on the run's result stream.
  const RedisValue results = c.command({"XRANGE", "opusperf:results:poison", "-", "+"});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(ChunkOutcome::from_fields(fields_of(results[0][1])).ok);
  EXPECT_EQ(c.command({"XLEN", "opusperf:jobs"}).integer, 0);
}

TEST_F(DistributedAnalysisTest, NoWorkersIsAClearErrorAfterTheStallTimeout) {
  DistributedOptions o = options();
  o.stall_timeout = 1s;
  try {
    analyze_distributed(video(), "k", o);
    FAIL() << "no error";
  } catch (const RuntimeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("are workers running"));
  }
}

TEST_F(DistributedAnalysisTest, JobsOfAGoneCoordinatorAreDroppedUndone) {
  ChunkJob job;
  job.run = "gone";
  job.chunks = 1;
  job.path = video().string();
  job.file_size = fs::file_size(video());
  job.content_key = "k";
  RedisConnection c(redis_.endpoint(), 5s);
  c.command(xadd_args("opusperf:jobs", job.to_fields()));  // no opusperf:run:gone key
  WorkerSet workers(redis_, 1, nullptr);
  for (int i = 0; i < 200 && workers[0].stats().abandoned == 0; ++i)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(workers[0].stats().abandoned, 1u);
  EXPECT_EQ(workers[0].stats().done, 0u);
}

}  // namespace
}  // namespace opusperf::distributed
