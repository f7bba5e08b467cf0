#include "opusperf/optimizer/cache_component.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "opusperf/optimizer/performance_optimizer.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;

OptimizationConfig quiet_config() {
  OptimizationConfig c;
  c.enable_monitoring = false;  // no background threads in these tests
  return c;
}

double metric(Registry& r, const std::string& name, const std::vector<std::string>& labels = {}) {
  for (const FamilySnapshot& f : r.collect()) {
    if (f.name != name) continue;
    for (const MetricSample& s : f.samples)
      if (s.label_values == labels) return s.value;
  }
  return -1;
}

TEST(CacheComponentTest, BuildsTheCacheFromTheConfig) {
  OptimizationConfig c = quiet_config();
  c.cache_size_limit = 321;
  c.cache_max_bytes = 4096;
  c.cache_ttl = 2s;
  ManualClock clock;
  Registry metrics;
  CacheComponent component(c, metrics, clock);
  const CacheStats s = component.cache().stats();
  EXPECT_EQ(s.max_entries, 321u);
  EXPECT_EQ(s.max_bytes, 4096u);
  // Entries put without a TTL get cache_ttl.
  const MemoKey key(0, 0, std::tuple<int>(5));
  component.cache().put(key, MemoValue{nullptr, 1});
  clock.advance(1s);
  EXPECT_TRUE(component.cache().get(key));
  clock.advance(2s);
  EXPECT_FALSE(component.cache().get(key));
  // cache_result's own TTL wins (0 = never expires).
  int calls = 0;
  auto f = cache_result(
      component.cache(),
      [&](int x) {
        ++calls;
        return x;
      },
      0s);
  f(1);
  clock.advance(1h);
  f(1);
  EXPECT_EQ(calls, 1);
}

TEST(CacheComponentTest, FillsTheCacheSectionAndMetrics) {
  PerformanceOptimizer opt(quiet_config());
  auto component = std::make_unique<CacheComponent>(opt.config(), opt.metrics());
  ResultCache& cache = component->cache();
  opt.add_component(std::move(component));
  auto square = cache_result(
      cache, [](int x) { return x * x; }, 1h);
  for (int i = 0; i < 10; ++i)
    square(i % 4);
  const nlohmann::json doc = opt.report().json();
  const nlohmann::json& section = doc["cache"];
  EXPECT_EQ(section["enabled"], true);
  EXPECT_EQ(section["hits"], 6);
  EXPECT_EQ(section["misses"], 4);
  EXPECT_DOUBLE_EQ(section["hit_ratio_percent"].get<double>(), 60.0);
  EXPECT_EQ(section["loads"], 4);
  EXPECT_EQ(section["entries"], 4);
  EXPECT_EQ(section["max_entries"], opt.config().cache_size_limit);
  EXPECT_EQ(section["prefetch"]["enabled"], false);
  EXPECT_EQ(metric(opt.metrics(), "opusperf_cache_requests_total", {"hit"}), 6);
  EXPECT_EQ(metric(opt.metrics(), "opusperf_cache_requests_total", {"miss"}), 4);
  EXPECT_EQ(metric(opt.metrics(), "opusperf_cache_entries"), 4);
  EXPECT_DOUBLE_EQ(metric(opt.metrics(), "opusperf_cache_hit_ratio"), 0.6);
  // Publishing again adds only what changed.
  square(0);
  opt.report();
  EXPECT_EQ(metric(opt.metrics(), "opusperf_cache_requests_total", {"hit"}), 7);
}

TEST(CacheComponentTest, ForceOptimizationShrinksTheCache) {
  PerformanceOptimizer opt(quiet_config());
  auto component = std::make_unique<CacheComponent>(opt.config(), opt.metrics());
  ResultCache& cache = component->cache();
  opt.add_component(std::move(component));
  auto blob = cache_result(
      cache, [](int x) { return std::string(1000, static_cast<char>('a' + x % 26)); }, 1h);
  for (int i = 0; i < 100; ++i)
    blob(i);
  const std::uint64_t bytes = cache.stats().bytes;
  const ForceOptimizationResult r = opt.force_optimization();
  ASSERT_FALSE(r.steps.empty());
  EXPECT_EQ(r.steps[0].component, "cache");
  EXPECT_GE(r.steps[0].bytes_freed, bytes / 2 - 2000);
  EXPECT_EQ(cache.stats().entries, 50u);
  EXPECT_EQ(cache.stats().max_entries, opt.config().cache_size_limit) << "capacity restored";
}

TEST(CacheComponentTest, TrimKeepsAShareAndCanEmpty) {
  Registry metrics;
  CacheComponent component(quiet_config(), metrics);
  auto id = cache_result(
      component.cache(), [](int x) { return x; }, 0s);
  for (int i = 0; i < 40; ++i)
    id(i);
  EXPECT_GT(component.trim(0.25), 0u);
  EXPECT_EQ(component.cache().size(), 10u);
  component.trim(0.0);
  EXPECT_EQ(component.cache().size(), 0u);
  EXPECT_THROW(component.trim(2.0), std::invalid_argument);
}

TEST(CacheComponentTest, PredictiveCachingPrefetchesSequentialSegments) {
  OptimizationConfig c = quiet_config();
  c.enable_predictive_caching = true;
  Registry metrics;
  CacheComponent component(c, metrics);
  std::atomic<int> loads{0};
  auto segment = component.cache_sequence(
      [&](std::uint64_t video, std::int64_t index) {
        loads.fetch_add(1);
        return static_cast<std::int64_t>(video) * 1000 + index;
      },
      1h);
  for (std::int64_t i = 0; i < 20; ++i) {
    EXPECT_EQ(segment(7, i), 7000 + i);
    component.wait_for_prefetches();  // deterministic: let the loads ahead finish
  }
  EXPECT_LE(loads.load(), 22) << "each segment loaded once (plus at most the two ahead)";
  const CacheStats s = component.cache().stats();
  EXPECT_GT(s.prefetch_issued, 0u);
  EXPECT_GT(s.prefetch_used, 0u) << "later segments were already loaded when asked for";
  EXPECT_GT(s.hits, 0u);
  EXPECT_GT(component.prefetch_stats().queued, 0u);
  const nlohmann::json section = component.report_section();
  EXPECT_EQ(section["prefetch"]["enabled"], true);
}

}  // namespace
}  // namespace opusperf
