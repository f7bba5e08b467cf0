#include "opusperf/optimizer/balance_component.h"

#include <gtest/gtest.h>

#include <future>
#include <stdexcept>
#include <vector>

#include "opusperf/core/errors.h"
#include "opusperf/core/profiles.h"
#include "opusperf/optimizer/performance_optimizer.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;

OptimizationConfig balance_config() {
  OptimizationConfig cfg = profiles::development();
  cfg.enable_load_balancing = true;
  cfg.max_workers = 3;
  cfg.load_balancing_strategy = "round_robin";
  cfg.monitoring_interval = 1h;  // keep the optimizer's monitor thread asleep
  return cfg;
}

TEST(BalanceComponentTest, ThePoolFollowsTheConfig) {
  const WorkerPoolOptions o = BalanceComponent::options_from(balance_config());
  EXPECT_EQ(o.workers, 3u);
  EXPECT_EQ(o.balancer.policy, "round_robin");
  Registry metrics;
  BalanceComponent c(balance_config(), metrics);
  EXPECT_EQ(c.section(), "balance");
  EXPECT_EQ(c.pool().size(), 3u);
  EXPECT_EQ(c.pool().balancer().policy_name(), "round_robin");
}

TEST(BalanceComponentTest, ReportSectionShowsSharesErrorsAndLatency) {
  Registry metrics;
  BalanceComponent c(balance_config(), metrics);
  std::vector<std::future<int>> f;
  for (int i = 0; i < 6; ++i) {
    f.push_back(c.pool().submit([i]() -> int {
      if (i == 4) throw std::runtime_error("bad frame");
      return i;
    }));
  }
  c.pool().drain();  // the workers release their promises first (see worker_pool_test.cc)
  for (auto& x : f) {
    try {
      x.get();
    } catch (const std::runtime_error&) {
    }
  }
  const nlohmann::json j = c.report_section();
  EXPECT_EQ(j["enabled"], true);
  EXPECT_EQ(j["policy"], "round_robin");
  EXPECT_EQ(j["requests"], 6);
  EXPECT_EQ(j["errors"], 1);
  EXPECT_EQ(j["pending"], 0);
  ASSERT_EQ(j["workers"].size(), 3u);
  for (const auto& w : j["workers"]) {
    EXPECT_DOUBLE_EQ(w["share_percent"].get<double>(), 100.0 / 3);
    EXPECT_TRUE(w["latency_ms"].contains("p50"));
    EXPECT_TRUE(w["latency_ms"].contains("p99"));
    EXPECT_EQ(w["ejections"], 0);
  }
  const OptimizationStep step = c.optimize_now();
  EXPECT_EQ(step.component, "balance");
  EXPECT_EQ(step.bytes_freed, 0u);
  EXPECT_NE(step.detail.find("3 of 3 workers healthy"), std::string::npos);
}

TEST(BalanceComponentTest, PlugsIntoThePerformanceOptimizerReport) {
  const OptimizationConfig cfg = balance_config();
  PerformanceOptimizer opt(cfg);
  auto component = std::make_unique<BalanceComponent>(cfg, opt.metrics());
  WorkerPool& pool = component->pool();
  opt.add_component(std::move(component));
  EXPECT_EQ(pool.submit([] { return 41 + 1; }).get(), 42);
  const nlohmann::json report = opt.report().json();
  EXPECT_EQ(report["balance"]["enabled"], true);
  EXPECT_EQ(report["balance"]["requests"], 1);
}

TEST(BalanceComponentTest, StopDrainsThenRefusesWork) {
  Registry metrics;
  BalanceComponent c(balance_config(), metrics);
  std::atomic<int> ran{0};
  for (int i = 0; i < 30; ++i)
    c.pool().submit([&] { ran.fetch_add(1); });
  c.stop();
  EXPECT_EQ(ran.load(), 30);
  EXPECT_THROW(c.pool().submit([] {}), RuntimeError);
  EXPECT_EQ(c.report_section()["requests"], 30);  // still reportable after stop
}

}  // namespace
}  // namespace opusperf
