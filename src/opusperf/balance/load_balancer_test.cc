#include "opusperf/balance/load_balancer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;

BalancerConfig config(std::string policy = "least_loaded") {
  BalancerConfig c;
  c.name = "test";
  c.policy = std::move(policy);
  return c;
}

std::uint64_t counter_value(Registry& r, const std::string& family, const std::string& worker) {
  return r.counter(family, "", {"pool", "worker"}).with({"test", worker}).value();
}

class LoadBalancerTest : public ::testing::Test {
 protected:
  void add_workers(LoadBalancer& lb, int n) {
    for (int i = 0; i < n; ++i)
      lb.add_worker({});
  }
  ManualClock clock_;
  Registry metrics_;
};

TEST_F(LoadBalancerTest, PickCountsInFlightAndDoneRecordsLatency) {
  LoadBalancer lb(config(), metrics_, clock_);
  add_workers(lb, 2);
  Assignment a = lb.pick();
  ASSERT_TRUE(a);
  const std::uint32_t w = a.worker();
  EXPECT_EQ(lb.snapshot().workers[w].in_flight, 1u);
  clock_.advance(250ms);
  a.done(true);
  EXPECT_FALSE(a);
  const BalancerSnapshot s = lb.snapshot();
  EXPECT_EQ(s.workers[w].in_flight, 0u);
  EXPECT_EQ(s.workers[w].requests, 1u);
  ASSERT_EQ(s.workers[w].latency_ns.count(), 1u);
  EXPECT_NEAR(static_cast<double>(s.workers[w].latency_ns.max()), 250e6, 250e6 / 128);
  EXPECT_DOUBLE_EQ(s.workers[w].latency_ewma_s, 0.25);
  EXPECT_DOUBLE_EQ(s.workers[w].service_time_s, 0.25);
  EXPECT_EQ(counter_value(metrics_, "opusperf_balance_requests_total", s.workers[w].name), 1u);
  EXPECT_THROW(a.done(true), std::logic_error);
}

TEST_F(LoadBalancerTest, AnAbandonedAssignmentLeavesTheLoadWithoutAnOutcome) {
  LoadBalancer lb(config(), metrics_, clock_);
  add_workers(lb, 1);
  {
    Assignment a = lb.pick();
    Assignment moved = std::move(a);
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
    EXPECT_EQ(lb.snapshot().workers[0].in_flight, 1u);
  }
  const BalancerSnapshot s = lb.snapshot();
  EXPECT_EQ(s.workers[0].in_flight, 0u);
  EXPECT_EQ(s.workers[0].latency_ns.count(), 0u);
  EXPECT_EQ(s.workers[0].errors, 0u);
}

TEST_F(LoadBalancerTest, NoWorkersGivesAnEmptyAssignmentAndGetNextWorkerThrows) {
  LoadBalancer lb(config(), metrics_, clock_);
  EXPECT_FALSE(lb.pick());
  EXPECT_THROW(lb.get_next_worker(), RuntimeError);
}

TEST_F(LoadBalancerTest, LeastLoadedSpreadsConcurrentRequests) {
  LoadBalancer lb(config(), metrics_, clock_);
  add_workers(lb, 4);
  std::vector<Assignment> held;
  for (int i = 0; i < 400; ++i)
    held.push_back(lb.pick());
  for (const WorkerSnapshot& w : lb.snapshot().workers) {
    EXPECT_GT(w.in_flight, 80u);  // power of two choices keeps the loads within a few
    EXPECT_LT(w.in_flight, 120u);
  }
}

TEST_F(LoadBalancerTest, SeedApiTracksReportedLoadAndOutcomes) {
  LoadBalancer lb(config("round_robin"), metrics_, clock_);
  add_workers(lb, 2);
  EXPECT_EQ(lb.get_next_worker(), 0u);
  EXPECT_EQ(lb.get_next_worker(), 1u);
  lb.update_worker_stats(1, /*load=*/7, 40ms, /*error=*/true);
  const BalancerSnapshot s = lb.snapshot();
  EXPECT_EQ(s.workers[1].reported_load, 7u);
  EXPECT_EQ(s.workers[1].in_flight, 0u);  // get_next_worker does not track in flight
  EXPECT_EQ(s.workers[1].errors, 1u);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(s.requests, 2u);
  EXPECT_THROW(lb.update_worker_stats(2, 0, 1ms, false), std::out_of_range);
}

TEST_F(LoadBalancerTest, AFailingWorkerIsEjectedAndSkippedThenComesBackOnProbation) {
  LoadBalancer lb(config("round_robin"), metrics_, clock_);
  add_workers(lb, 10);
  std::vector<HealthEvent> seen;
  lb.set_event_listener([&](const HealthEvent& e) { seen.push_back(e); });
  for (int i = 0; i < 5; ++i)
    lb.update_worker_stats(3, 0, 1ms, /*error=*/true);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, HealthEvent::Kind::kEjected);
  EXPECT_EQ(lb.snapshot().workers[3].state, HealthState::kEjected);
  EXPECT_NEAR(lb.snapshot().workers[3].ejected_for_s, 30.0, 1e-9);
  for (int i = 0; i < 100; ++i)
    EXPECT_NE(lb.get_next_worker(), 3u);
  EXPECT_EQ(counter_value(metrics_, "opusperf_balance_ejections_total", "worker-3"), 1u);

  clock_.advance(30s);
  Assignment trial;  // the one request a worker on probation may have
  for (int i = 0; i < 1000 && !trial; ++i) {
    Assignment a = lb.pick();
    if (a.worker() == 3) {
      trial = std::move(a);
    } else {
      a.done(true);
    }
  }
  ASSERT_TRUE(trial);
  EXPECT_EQ(lb.snapshot().workers[3].state, HealthState::kProbation);
  for (int i = 0; i < 200; ++i) {
    Assignment a = lb.pick();
    EXPECT_NE(a.worker(), 3u);  // not while its one request is out
    a.done(true);
  }
  trial.done(true);
  EXPECT_EQ(lb.snapshot().workers[3].state, HealthState::kHealthy);
  EXPECT_EQ(seen.back().kind, HealthEvent::Kind::kReturned);
  const auto events = lb.snapshot().recent_events;
  ASSERT_EQ(events.size(), 3u);  // ejected, probation, returned
  EXPECT_EQ(events[1].kind, HealthEvent::Kind::kProbation);
}

TEST_F(LoadBalancerTest, InFlightLimitMakesPickReturnEmpty) {
  BalancerConfig c = config();
  c.max_in_flight_per_worker = 2;
  LoadBalancer lb(c, metrics_, clock_);
  add_workers(lb, 2);
  std::vector<Assignment> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(lb.pick());
    ASSERT_TRUE(held.back());
  }
  EXPECT_FALSE(lb.pick());
  held[0].done(true);
  EXPECT_TRUE(lb.pick());
}

TEST_F(LoadBalancerTest, AWorkerAddedToABalancerInUseStartsSlowly) {
  LoadBalancer lb(config("round_robin"), metrics_, clock_);
  add_workers(lb, 2);
  lb.pick().done(true);
  lb.add_worker({"late"});
  std::map<std::uint32_t, int> n;
  for (int i = 0; i < 210; ++i)
    ++n[lb.pick().worker()];  // each assignment is abandoned at once: only the share matters
  EXPECT_NEAR(n[2], 10, 1);   // weight 0.1 against 1 + 1: 1 in 21
  clock_.advance(30s);
  n.clear();
  for (int i = 0; i < 30; ++i)
    ++n[lb.pick().worker()];
  EXPECT_NEAR(n[2], 10, 1);  // full weight after the window
}

TEST_F(LoadBalancerTest, KeysStickToAWorker) {
  LoadBalancer lb(config("consistent_hash"), metrics_, clock_);
  add_workers(lb, 5);
  const std::uint32_t home = lb.pick("video-7").worker();
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(lb.pick("video-7").worker(), home);
  EXPECT_EQ(lb.get_next_worker("video-7"), home);
}

TEST_F(LoadBalancerTest, HealthProbesEjectAndReturnWorkers) {
  LoadBalancer lb(config(), metrics_, clock_);
  add_workers(lb, 10);
  EXPECT_EQ(lb.run_health_probes(), 0u);  // no probe set
  bool worker_6_up = false;
  lb.set_health_probe([&](std::uint32_t w) {
    if (w == 2) throw std::runtime_error("connection refused");
    return w != 6 || worker_6_up;
  });
  EXPECT_EQ(lb.run_health_probes(), 2u);
  const BalancerSnapshot s = lb.snapshot();
  // One of the two failing workers is ejected; 10% allows only one.
  EXPECT_EQ(s.ejections, 1u);
  EXPECT_EQ(s.workers[2].state, HealthState::kEjected);
  EXPECT_EQ(s.workers[6].state, HealthState::kHealthy);
  worker_6_up = true;
  lb.set_health_probe([](std::uint32_t) { return true; });
  EXPECT_EQ(lb.run_health_probes(), 0u);
  EXPECT_EQ(lb.snapshot().workers[2].state, HealthState::kHealthy);
}

TEST_F(LoadBalancerTest, SnapshotReportsSharesAndSetsShareGauges) {
  LoadBalancer lb(config("round_robin"), metrics_, clock_);
  add_workers(lb, 4);
  for (int i = 0; i < 8; ++i)
    lb.pick().done(true);
  const BalancerSnapshot s = lb.snapshot();
  for (const WorkerSnapshot& w : s.workers)
    EXPECT_DOUBLE_EQ(w.share_percent, 25.0);
  EXPECT_DOUBLE_EQ(metrics_.gauge("opusperf_balance_share_percent", "", {"pool", "worker"})
                       .with({"test", "worker-1"})
                       .value(),
                   25.0);
  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j["policy"], "round_robin");
  EXPECT_EQ(j["workers"][0]["requests"], 2);
  EXPECT_EQ(j["workers"][0]["state"], "healthy");
  EXPECT_TRUE(j["workers"][0]["latency_ms"].contains("p99"));
}

TEST_F(LoadBalancerTest, RejectsBadWorkersAndConfig) {
  LoadBalancer lb(config(), metrics_, clock_);
  EXPECT_THROW(lb.add_worker({"a", 0.0}), std::invalid_argument);
  EXPECT_THROW(lb.add_worker({"a", -1.0}), std::invalid_argument);
  lb.add_worker({"a"});
  EXPECT_THROW(lb.add_worker({"a"}), std::invalid_argument);
  BalancerConfig bad = config();
  bad.hash_balance_factor = 1.0;
  EXPECT_THROW(LoadBalancer(bad, metrics_, clock_), std::invalid_argument);
  EXPECT_THROW(LoadBalancer(config("fastest"), metrics_, clock_), InputError);
}

TEST_F(LoadBalancerTest, ManyThreadsPickAndFinishConsistently) {
  LoadBalancer lb(config("peak_ewma"), metrics_);  // the real clock
  add_workers(lb, 4);
  constexpr int kThreads = 4;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr int kPerThread = 500;
#else
  constexpr int kPerThread = 5000;
#endif
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        Assignment a = lb.pick();
        a.done((i + t) % 50 != 0);
      }
    });
  }
  for (std::thread& t : threads)
    t.join();
  const BalancerSnapshot s = lb.snapshot();
  EXPECT_EQ(s.requests, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(s.errors, static_cast<std::uint64_t>(kThreads * kPerThread / 50));
  for (const WorkerSnapshot& w : s.workers)
    EXPECT_EQ(w.in_flight, 0u);
}

}  // namespace
}  // namespace opusperf
