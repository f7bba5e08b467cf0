#include "opusperf/balance/worker_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kJobs = 2000;
#else
constexpr int kJobs = 20000;
#endif

WorkerPoolOptions options(std::size_t workers, std::string policy = "least_loaded") {
  WorkerPoolOptions o;
  o.workers = workers;
  o.balancer.name = "pool";
  o.balancer.policy = std::move(policy);
  return o;
}

// Counts jobs running at once and remembers the most seen.
struct RunningJobs {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  void run_for(std::chrono::microseconds d) {
    const int now = running.fetch_add(1) + 1;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(d);
    running.fetch_sub(1);
  }
};

TEST(WorkerPoolTest, EveryJobRunsExactlyOnceFromManySubmitters) {
  Registry metrics;
  WorkerPool pool(options(4), metrics);
  std::vector<std::atomic<int>> runs(kJobs);
  constexpr int kSubmitters = 4;
  std::vector<std::thread> submitters;
  std::vector<std::vector<std::future<int>>> futures(kSubmitters);
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&, s] {
      for (int j = s; j < kJobs; j += kSubmitters) {
        futures[s].push_back(pool.submit([&runs, j] {
          runs[j].fetch_add(1, std::memory_order_relaxed);
          return j;
        }));
      }
    });
  }
  for (std::thread& t : submitters)
    t.join();
  long long sum = 0;
  for (auto& list : futures) {
    for (auto& f : list)
      sum += f.get();
  }
  EXPECT_EQ(sum, static_cast<long long>(kJobs) * (kJobs - 1) / 2);
  for (int j = 0; j < kJobs; ++j)
    ASSERT_EQ(runs[j].load(), 1) << "job " << j;
  pool.drain();
  const BalancerSnapshot s = pool.balancer().snapshot();
  EXPECT_EQ(s.requests, static_cast<std::uint64_t>(kJobs));
  for (const WorkerSnapshot& w : s.workers) {
    EXPECT_GT(w.requests, 0u);
    EXPECT_EQ(w.in_flight, 0u);
  }
}

TEST(WorkerPoolTest, AThrowingJobIsAnErrorAndItsWorkerKeepsRunning) {
  Registry metrics;
  WorkerPool pool(options(1), metrics);
  auto bad = pool.submit([]() -> int { throw std::runtime_error("decoder crashed"); });
  // Let the worker drop its side of the promise first. Otherwise the worker thread may free the
  // exception after this thread has read it, ordered only by libstdc++'s reference counts, which
  // ThreadSanitizer cannot see (a known false positive).
  pool.drain();
  EXPECT_THROW(
      {
        try {
          bad.get();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "decoder crashed");
          throw;
        }
      },
      std::runtime_error);
  // The single worker survived: later jobs still run on it.
  EXPECT_EQ(pool.submit([] { return 7; }).get(), 7);
  const BalancerSnapshot s = pool.balancer().snapshot();
  EXPECT_EQ(s.workers[0].errors, 1u);
  EXPECT_EQ(s.workers[0].requests, 2u);
  EXPECT_EQ(s.workers[0].latency_ns.count(), 1u);  // only the success
}

TEST(WorkerPoolTest, JobsMayTakeTheirWorkersIndex) {
  Registry metrics;
  WorkerPool pool(options(3, "round_robin"), metrics);
  std::vector<std::future<std::uint32_t>> f;
  for (int i = 0; i < 6; ++i)
    f.push_back(pool.submit([](std::uint32_t worker) { return worker; }));
  std::vector<std::uint32_t> seen;
  for (auto& x : f)
    seen.push_back(x.get());
  EXPECT_THAT(seen, ::testing::ElementsAre(0u, 1u, 2u, 0u, 1u, 2u));
}

TEST(WorkerPoolTest, KeyedJobsRunOnOneWorker) {
  Registry metrics;
  WorkerPool pool(options(4, "consistent_hash"), metrics);
  // One at a time: with many in flight at once, bounded loads would spill some to a neighbour.
  const std::uint32_t home =
      pool.submit([](std::uint32_t worker) { return worker; }, "video-99").get();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(pool.submit([](std::uint32_t worker) { return worker; }, "video-99").get(), home);
}

TEST(WorkerPoolTest, StopDrainsQueuedJobsThenRefusesNewOnes) {
  Registry metrics;
  WorkerPool pool(options(2), metrics);
  std::atomic<bool> release{false};
  std::atomic<int> done{0};
  std::vector<std::future<void>> f;
  for (int i = 0; i < 50; ++i) {
    f.push_back(pool.submit([&] {
      while (!release.load())
        std::this_thread::sleep_for(100us);
      done.fetch_add(1);
    }));
  }
  EXPECT_EQ(pool.pending(), 50u);
  std::thread stopper([&] { pool.stop(); });
  // stop() waits for the queued jobs; let them go once it has begun refusing submissions.
  while (true) {
    try {
      pool.submit([] {});  // queued behind the blocked jobs; stop() runs these too
    } catch (const RuntimeError&) {
      break;
    }
  }
  release = true;
  stopper.join();
  EXPECT_EQ(done.load(), 50);
  EXPECT_EQ(pool.pending(), 0u);
  for (auto& x : f)
    EXPECT_NO_THROW(x.get());
  EXPECT_THROW(pool.submit([] {}), RuntimeError);
  pool.stop();  // idempotent
}

TEST(WorkerPoolTest, InFlightLimitMakesSubmitWaitForAFreeWorker) {
  Registry metrics;
  WorkerPoolOptions o = options(2);
  o.balancer.max_in_flight_per_worker = 1;
  WorkerPool pool(o, metrics);
  RunningJobs jobs;
  std::vector<std::future<void>> f;
  for (int i = 0; i < 40; ++i) {
    f.push_back(pool.submit([&] { jobs.run_for(200us); }));
    for (const WorkerSnapshot& w : pool.balancer().snapshot().workers)
      EXPECT_LE(w.in_flight, 1u);  // submit returned only once a worker had room
  }
  for (auto& x : f)
    x.get();
  EXPECT_LE(jobs.most.load(), 2);
}

TEST(WorkerPoolTest, ThreadsPerWorkerRunAWorkersJobsConcurrently) {
  Registry metrics;
  WorkerPoolOptions o = options(1);
  o.threads_per_worker = 3;
  WorkerPool pool(o, metrics);
  std::atomic<int> arrived{0};
  std::vector<std::future<void>> f;
  for (int i = 0; i < 3; ++i) {
    f.push_back(pool.submit([&] {
      arrived.fetch_add(1);
      // Each waits for all three: only possible if they run at once.
      while (arrived.load() < 3)
        std::this_thread::sleep_for(50us);
    }));
  }
  for (auto& x : f)
    x.get();
  EXPECT_EQ(arrived.load(), 3);
}

TEST(WorkerPoolTest, TheConcurrencyLimitCapsJobsRunningAtOnce) {
  Registry metrics;
  WorkerPool pool(options(4), metrics);
  pool.set_concurrency_limit(2);
  EXPECT_EQ(pool.concurrency_limit(), 2u);
  RunningJobs jobs;
  std::vector<std::future<void>> f;
  for (int i = 0; i < 40; ++i) {
    f.push_back(pool.submit([&] { jobs.run_for(200us); }));
  }
  for (auto& x : f)
    x.get();
  EXPECT_LE(jobs.most.load(), 2);
  EXPECT_GE(jobs.most.load(), 1);

  pool.drain();  // a future is ready a moment before its job stops counting as running
  EXPECT_EQ(pool.running(), 0u);
}

TEST(WorkerPoolTest, RaisingTheConcurrencyLimitReleasesWaitingJobs) {
  Registry metrics;
  WorkerPoolOptions o = options(1);
  o.threads_per_worker = 4;  // one queue, four threads: every job may run at once
  WorkerPool pool(o, metrics);
  pool.set_concurrency_limit(1);
  std::atomic<int> arrived{0};
  std::vector<std::future<void>> g;
  for (int i = 0; i < 4; ++i) {
    g.push_back(pool.submit([&] {  // each waits for all four: only possible once the cap is gone
      arrived.fetch_add(1);
      while (arrived.load() < 4)
        std::this_thread::sleep_for(50us);
    }));
  }
  for (int i = 0; i < 5000 && arrived.load() == 0; ++i)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);  // time for the others to start, were the cap not there
  EXPECT_EQ(arrived.load(), 1);       // the cap of 1 holds the others back
  EXPECT_EQ(pool.running(), 1u);
  pool.set_concurrency_limit(0);
  for (auto& x : g)
    x.get();
  EXPECT_EQ(arrived.load(), 4);
}

TEST(WorkerPoolTest, TheProbeThreadEjectsAWorkerThatFailsItsHealthCheck) {
  Registry metrics;
  WorkerPoolOptions o = options(2, "round_robin");
  o.probe_interval = 1ms;
  WorkerPool pool(o, metrics);
  pool.balancer().set_health_probe([](std::uint32_t w) { return w != 1; });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (pool.balancer().snapshot().workers[1].state == HealthState::kHealthy &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(pool.balancer().snapshot().workers[1].state, HealthState::kEjected);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(pool.submit([](std::uint32_t w) { return w; }).get(), 0u);
}

TEST(WorkerPoolTest, RejectsBadOptions) {
  Registry metrics;
  EXPECT_THROW(WorkerPool(options(0), metrics), std::invalid_argument);
  WorkerPoolOptions o = options(2);
  o.weights = {1.0};
  EXPECT_THROW(WorkerPool(o, metrics), std::invalid_argument);
  o.weights = {1.0, 3.0};
  WorkerPool ok(o, metrics);
  EXPECT_EQ(ok.balancer().snapshot().workers[1].weight, 3.0);
}

}  // namespace
}  // namespace opusperf
