#include "opusperf/optimizer/standard_components.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "opusperf/cache/memoize.h"
#include "opusperf/core/clock.h"
#include "opusperf/core/profiles.h"

namespace opusperf {
namespace {

OptimizationConfig all_enabled() {
  OptimizationConfig cfg = profiles::development();
  cfg.enable_smart_caching = true;
  cfg.enable_memory_optimization = true;
  cfg.enable_gpu_optimization = true;
  cfg.enable_load_balancing = true;
  cfg.enable_adaptive_tuning = true;
  cfg.max_workers = 2;
  return cfg;
}

TEST(StandardComponentsTest, EveryEnabledPartIsBuiltAndReportsItsSection) {
  PerformanceOptimizer opt(all_enabled());
  StandardComponents parts = add_standard_components(opt);
  ASSERT_NE(parts.cache, nullptr);
  ASSERT_NE(parts.memory, nullptr);
  ASSERT_NE(parts.gpu, nullptr);
  ASSERT_NE(parts.balance, nullptr);
  ASSERT_NE(parts.tune, nullptr);
  EXPECT_EQ(parts.balance->pool().submit([] { return 7; }).get(), 7);
  const nlohmann::json report = opt.report().json();
  for (const char* section : {"cache", "memory", "gpu", "balance", "tune"}) {
    EXPECT_NE(report[section].value("enabled", false), false) << section;
  }
}

TEST(StandardComponentsTest, TheTunerOwnsThePoolsConcurrencyKnob) {
  PerformanceOptimizer opt(all_enabled());
  StandardComponents parts = add_standard_components(opt);
  const nlohmann::json knobs = opt.report().json()["tune"]["knobs"];
  ASSERT_EQ(knobs.size(), 1u) << knobs.dump();
  EXPECT_EQ(knobs[0]["name"], "pool_concurrency");
  EXPECT_EQ(knobs[0]["value"], 2.0);  // starts at every thread of the pool, as untuned
  EXPECT_EQ(knobs[0]["max"], 2.0);
  EXPECT_EQ(parts.balance->pool().concurrency_limit(), 0u);  // no cap until the tuner moves it
}

TEST(StandardComponentsTest, EveryOperationIsASampleForTheTuner) {
  ManualClock clock;
  PerformanceOptimizer opt(all_enabled(), clock);
  auto tune = std::make_unique<TuneComponent>(opt.config(), opt.metrics(), clock);
  AdaptivePerformanceTuner& tuner = tune->tuner();
  opt.add_component(std::move(tune));
  for (int i = 0; i < 50; ++i)
    opt.optimize_operation({"work", 2}, [] { return 1; });
  clock.advance(std::chrono::seconds(60));
  tuner.tick();  // closes the sample period the operations fell in
  const std::vector<PerformanceSample> history = tuner.performance_history();
  ASSERT_FALSE(history.empty());
  double best = 0;
  for (const PerformanceSample& s : history)
    best = std::max(best, s.throughput);
  EXPECT_GT(best, 0);  // the 100 units of the 50 operations
}

TEST(StandardComponentsTest, DisabledPartsStayNullAndTheirSectionsSaySo) {
  OptimizationConfig cfg = all_enabled();
  cfg.enable_smart_caching = false;
  cfg.enable_gpu_optimization = false;
  cfg.enable_load_balancing = false;
  cfg.enable_adaptive_tuning = false;
  cfg.enable_memory_optimization = false;
  PerformanceOptimizer opt(cfg);
  StandardComponents parts = add_standard_components(opt);
  EXPECT_EQ(parts.cache, nullptr);
  EXPECT_EQ(parts.memory, nullptr);
  EXPECT_EQ(parts.gpu, nullptr);
  EXPECT_EQ(parts.balance, nullptr);
  EXPECT_EQ(parts.tune, nullptr);
  const nlohmann::json report = opt.report().json();
  for (const char* section : {"cache", "memory", "gpu", "balance", "tune"}) {
    EXPECT_EQ(report[section].value("enabled", true), false) << section;
  }
}

TEST(StandardComponentsTest, AMemoryResponseEmptiesTheCacheAndTheGpuAllocatorsIdleSegments) {
  PerformanceOptimizer opt(all_enabled());
  StandardComponents parts = add_standard_components(opt);
  auto square = cache_result(
      parts.cache->cache(), [](int x) { return std::vector<int>(1000, x * x); },
      std::chrono::hours(1));
  for (int i = 0; i < 20; ++i)
    ASSERT_EQ(square(i)[0], i * i);
  ASSERT_GT(parts.cache->cache().stats().bytes, 0u);
  gpu::CachingAllocator& alloc = parts.gpu->gpu().allocator();
  void* p = alloc.allocate(3 << 20);
  alloc.deallocate(p);  // the segment stays cached: idle device memory
  ASSERT_GT(alloc.stats().reserved_bytes[gpu::kStatAll].current, 0);

  const MemoryResponse response = parts.memory->memory().optimize_memory();

  std::vector<std::string> ran;
  for (const TrimStep& step : response.steps)
    ran.push_back(step.name);
  EXPECT_NE(std::find(ran.begin(), ran.end(), "cache"), ran.end());
  EXPECT_NE(std::find(ran.begin(), ran.end(), "gpu_allocator"), ran.end());
  EXPECT_EQ(parts.cache->cache().stats().entries, 0u);
  EXPECT_EQ(alloc.stats().reserved_bytes[gpu::kStatAll].current, 0);
  EXPECT_GT(response.trimmers_freed_bytes, 0u);
  // The cache still works after the response.
  EXPECT_EQ(square(3)[0], 9);
}

}  // namespace
}  // namespace opusperf
