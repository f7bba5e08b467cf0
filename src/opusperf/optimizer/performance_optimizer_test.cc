#include "opusperf/optimizer/performance_optimizer.h"

#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "opusperf/core/config_loader.h"
#include "opusperf/core/profiles.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;

// Counts this process's threads (entries of /proc/self/task).
int thread_count() {
  int n = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (!dir) return -1;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

std::chrono::nanoseconds thread_cpu_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

OptimizationConfig quiet_config() {
  OptimizationConfig cfg = profiles::development();
  cfg.monitoring_interval = 1h;  // the monitor thread runs but does not wake during a test
  return cfg;
}

// Waits until pred() holds or `limit` passes; returns pred().
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 10s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!pred() && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(1ms);
  return pred();
}

TEST(PerformanceOptimizerTest, MonitorThreadStartsAndStopsWithTheOptimizer) {
  // A first optimizer lets runtimes that start helper threads lazily (ThreadSanitizer's background
  // thread) do so before the baseline is taken.
  { PerformanceOptimizer warm_up(quiet_config()); }
  const int before = thread_count();
  {
    PerformanceOptimizer opt(quiet_config());
    EXPECT_EQ(thread_count(), before + 1);
  }
  EXPECT_EQ(thread_count(), before);
}

TEST(PerformanceOptimizerTest, DestructorDoesNotWaitForTheMonitoringInterval) {
  // With an interval of an hour, a sleep-polling loop would hold the destructor for an hour; a
  // condition-variable wait returns at once. The bound is loose so a busy machine cannot fail it.
  auto opt = std::make_unique<PerformanceOptimizer>(quiet_config());
  std::this_thread::sleep_for(5ms);
  const auto t0 = std::chrono::steady_clock::now();
  opt.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(PerformanceOptimizerTest, NoThreadWhenMonitoringIsOff) {
  OptimizationConfig cfg = quiet_config();
  cfg.enable_monitoring = false;
  const int before = thread_count();
  PerformanceOptimizer opt(cfg);
  EXPECT_EQ(thread_count(), before);
}

TEST(PerformanceOptimizerTest, InvalidConfigIsRejected) {
  OptimizationConfig cfg = quiet_config();
  cfg.tensor_memory_fraction = 1.5;
  EXPECT_THROW(PerformanceOptimizer opt(cfg), ConfigError);
}

TEST(PerformanceOptimizerTest, ReturnsTheResultAndMeasuresCpuTime) {
  PerformanceOptimizer opt(quiet_config());
  // Spin until this thread has used 20 ms of CPU: the probe must see at least that much.
  auto [value, m] = opt.optimize_operation({"spin", 7}, [] {
    const auto start = thread_cpu_now();
    volatile std::uint64_t sink = 0;
    while (thread_cpu_now() - start < 20ms)
      sink = sink + 1;
    return 42;
  });
  EXPECT_EQ(value, 42);
  EXPECT_EQ(m.name, "spin");
  EXPECT_EQ(m.units, 7u);
  EXPECT_TRUE(m.succeeded);
  EXPECT_GE(m.cpu_time, 19ms);  // getrusage has microsecond resolution
  EXPECT_GE(m.wall_time, m.cpu_time - 1ms);
  EXPECT_GT(m.throughput(), 0.0);
  const OperationStats& stats = opt.operations().get("spin");
  EXPECT_EQ(stats.calls(), 1u);
  EXPECT_EQ(stats.units_total(), 7u);
  EXPECT_GE(stats.cpu_time_total(), 19ms);
}

TEST(PerformanceOptimizerTest, SleepingCostsWallTimeNotCpuTime) {
  PerformanceOptimizer opt(quiet_config());
  OperationMetrics m = opt.optimize_operation("sleep", [] { std::this_thread::sleep_for(30ms); });
  EXPECT_GE(m.wall_time, 30ms);
  EXPECT_LT(m.cpu_time, m.wall_time / 2);
}

TEST(PerformanceOptimizerTest, MeasuresRssGrowthOfAnOperationThatKeepsMemory) {
  PerformanceOptimizer opt(quiet_config());
  std::vector<char> kept;
  OperationMetrics m = opt.optimize_operation("grow", [&] {
    kept.assign(64u << 20, 1);  // 64 MiB, every page touched
  });
  ASSERT_TRUE(m.rss_delta_bytes.has_value());
  EXPECT_GE(*m.rss_delta_bytes, 48 << 20);
  EXPECT_EQ(opt.operations().get("grow").rss_samples(), 1u);
}

TEST(PerformanceOptimizerTest, ShortOperationsSkipRssSampling) {
  PerformanceOptimizer opt(quiet_config());
  int x = 0;
  for (int i = 0; i < 100; ++i)
    opt.optimize_operation("tiny", [&] { ++x; });
  // Only the first call of a name is sampled when calls are far below 50 µs.
  EXPECT_EQ(opt.operations().get("tiny").rss_samples(), 1u);
  EXPECT_EQ(opt.operations().get("tiny").calls(), 100u);
}

TEST(PerformanceOptimizerTest, FailuresAreCountedAndRethrown) {
  PerformanceOptimizer opt(quiet_config());
  EXPECT_THROW(opt.optimize_operation("fails", []() -> int { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_THROW(opt.optimize_operation("fails", [] { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_EQ(opt.operations().get("fails").calls(), 2u);
  EXPECT_EQ(opt.operations().get("fails").errors(), 2u);
}

TEST(PerformanceOptimizerTest, ForwardsArgumentsAndReferences) {
  PerformanceOptimizer opt(quiet_config());
  int target = 1;
  auto [ref, m] = opt.optimize_operation(
      "ref", [](int& t, int add) -> int& { return t += add; }, target, 4);
  ref += 1;
  EXPECT_EQ(target, 6);
  auto moved = opt.optimize_operation(
      "move", [](std::unique_ptr<int> p) { return p; }, std::make_unique<int>(9));
  EXPECT_EQ(*moved.first, 9);
}

TEST(PerformanceOptimizerTest, ConcurrentCallsAreAllCounted) {
  PerformanceOptimizer opt(quiet_config());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        opt.optimize_operation({"shared", 2}, [] {});
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(opt.operations().get("shared").calls(), 4000u);
  EXPECT_EQ(opt.operations().get("shared").units_total(), 8000u);
  EXPECT_EQ(opt.operations().get("shared").wall_ns().count(), 4000u);
}

TEST(PerformanceOptimizerTest, MonitorThreadRecordsASeries) {
  OptimizationConfig cfg = quiet_config();
  cfg.monitoring_interval = 10ms;
  PerformanceOptimizer opt(cfg);
  EXPECT_TRUE(eventually([&] { return opt.system_history().size() >= 4; }));
  const auto points = opt.system_history();
  for (std::size_t i = 1; i < points.size(); ++i) {
    EXPECT_GE(points[i].since_start, points[i - 1].since_start);
  }
  EXPECT_GT(points.back().sample.rss_bytes, 0u);
}

TEST(PerformanceOptimizerTest, HistoryIsBoundedByTheConfiguredSize) {
  OptimizationConfig cfg = quiet_config();
  cfg.performance_history_size = 10;
  PerformanceOptimizer opt(cfg);
  for (int i = 0; i < 25; ++i)
    opt.sample_system();
  EXPECT_EQ(opt.system_history().size(), 10u);
  const nlohmann::json system = opt.report().json()["system"];
  EXPECT_EQ(system["series"].size(), 10u);
  EXPECT_GE(system["series_dropped"].get<int>(), 16);
}

TEST(PerformanceOptimizerTest, ReportHasEverySectionAndMeasuredFigures) {
  PerformanceOptimizer opt(quiet_config());
  opt.optimize_operation({"work", 3}, [] { std::this_thread::sleep_for(2ms); });
  const nlohmann::json doc = opt.report().json();
  EXPECT_EQ(doc["schema"], "opusperf.report/1");
  EXPECT_EQ(doc["profile"], "development");
  for (const char* s : {"system", "operations", "cache", "memory", "gpu", "balance", "tune"}) {
    ASSERT_TRUE(doc.contains(s)) << s;
    EXPECT_TRUE(doc[s].contains("enabled")) << s;
  }
  EXPECT_FALSE(doc["cache"]["enabled"].get<bool>());
  EXPECT_TRUE(doc["cache"]["requested"].get<bool>());  // development asks for caching
  EXPECT_FALSE(doc["balance"]["requested"].get<bool>());
  const nlohmann::json& work = doc["operations"]["by_name"]["work"];
  EXPECT_EQ(work["calls"], 1);
  EXPECT_GE(work["wall_ms"]["p50"].get<double>(), 1.9);
  EXPECT_EQ(work["units_total"], 3);
  EXPECT_EQ(doc["config"]["cache_size_limit"], 500);
  // The JSON text parses back into an equal report.
  EXPECT_EQ(Report::parse(opt.report().to_json(), "test")
                .json()["operations"]["by_name"]["work"]["calls"],
            1);
}

// A component that records what the optimizer asked of it.
class FakeComponent : public Component {
 public:
  explicit FakeComponent(std::vector<std::string>& log) : log_(log) {}
  std::string_view section() const override { return "cache"; }
  void start() override { log_.push_back("start"); }
  void stop() override { log_.push_back("stop"); }
  OptimizationStep optimize_now() override {
    log_.push_back("optimize");
    return {"cache", 4096, "dropped 4 entries"};
  }
  nlohmann::json report_section() const override { return {{"enabled", true}, {"entries", 12}}; }

 private:
  std::vector<std::string>& log_;
};

TEST(PerformanceOptimizerTest, ComponentsAreStartedOptimizedReportedAndStopped) {
  std::vector<std::string> log;
  {
    PerformanceOptimizer opt(quiet_config());
    opt.add_component(std::make_unique<FakeComponent>(log));
    EXPECT_THROW(opt.add_component(std::make_unique<FakeComponent>(log)), std::invalid_argument);
    const ForceOptimizationResult r = opt.force_optimization();
    ASSERT_GE(r.steps.size(), 2u);
    EXPECT_EQ(r.steps[0].component, "cache");
    EXPECT_EQ(r.steps[0].bytes_freed, 4096u);
    EXPECT_EQ(r.steps.back().component, "malloc_trim");
    EXPECT_GT(r.rss_before_bytes, 0);
    const nlohmann::json doc = opt.report().json();
    EXPECT_TRUE(doc["cache"]["enabled"].get<bool>());
    EXPECT_EQ(doc["cache"]["entries"], 12);
    EXPECT_EQ(doc["forced_optimizations"]["count"], 1);
    EXPECT_EQ(doc["forced_optimizations"]["last"]["steps"][0]["bytes_freed"], 4096);
  }
  EXPECT_THAT(log, ::testing::ElementsAre("start", "optimize", "stop"));
}

TEST(PerformanceOptimizerTest, ForceOptimizationReturnsFreedHeapToTheOs) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer allocators replace glibc malloc, so malloc_trim has nothing to return";
#endif
  PerformanceOptimizer opt(quiet_config());
  {
    // Many small blocks freed in the middle of the heap stay in glibc's arenas until trimmed.
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 20000; ++i) {
      blocks.emplace_back(new char[4000]);
      std::fill_n(blocks.back().get(), 4000, 1);
    }
    for (std::size_t i = 0; i + 1 < blocks.size(); ++i)
      blocks[i].reset();
    const ForceOptimizationResult r = opt.force_optimization();
    EXPECT_GT(r.steps.back().bytes_freed, 16u << 20);
    EXPECT_LT(r.rss_after_bytes, r.rss_before_bytes);
  }
}

}  // namespace
}  // namespace opusperf
