#include "opusperf/optimizer/memory_component.h"

#include <gtest/gtest.h>

#include <vector>

#include "opusperf/optimizer/performance_optimizer.h"

namespace opusperf {
namespace {

OptimizationConfig quiet_config() {
  OptimizationConfig c;
  c.enable_monitoring = false;  // no background sampling thread in these tests
  return c;
}

TEST(MemoryComponentTest, FillsTheMemorySectionOfTheReport) {
  PerformanceOptimizer opt(quiet_config());
  opt.add_component(std::make_unique<MemoryComponent>(opt.config(), opt.metrics()));
  const nlohmann::json doc = opt.report().json();
  EXPECT_EQ(doc["memory"]["enabled"], true);
  EXPECT_TRUE(doc["memory"].contains("frame_pool"));
  EXPECT_TRUE(doc["memory"].contains("leaks"));
}

TEST(MemoryComponentTest, ForceOptimizationReleasesIdleFrameBuffers) {
  PerformanceOptimizer opt(quiet_config());
  auto component = std::make_unique<MemoryComponent>(opt.config(), opt.metrics());
  MemoryOptimizer& memory = component->memory();
  opt.add_component(std::move(component));
  {
    std::vector<Buffer> frames;
    for (int i = 0; i < 3; ++i)
      frames.push_back(memory.frame_pool().acquire(frame_bytes(1920, 1080, PixelFormat::kRgb24)));
  }
  const std::uint64_t idle = memory.frame_pool().stats().bytes_idle;
  ASSERT_GT(idle, 0u);
  const ForceOptimizationResult r = opt.force_optimization();
  ASSERT_GE(r.steps.size(), 1u);
  EXPECT_EQ(r.steps[0].component, "memory");
  EXPECT_GE(r.steps[0].bytes_freed, idle);
  EXPECT_NE(r.steps[0].detail.find("frame_pool"), std::string::npos);
  EXPECT_EQ(memory.frame_pool().stats().bytes_idle, 0u);
  EXPECT_EQ(opt.report().json()["memory"]["responses"].size(), 1u);
}

TEST(MemoryComponentTest, ExportsMetricsThroughTheOptimizersRegistry) {
  PerformanceOptimizer opt(quiet_config());
  auto component = std::make_unique<MemoryComponent>(opt.config(), opt.metrics());
  MemoryOptimizer& memory = component->memory();
  opt.add_component(std::move(component));
  auto token = memory.tracker().track("model.weights", 1234, "ranker");
  memory.tick();
  bool tracked = false, level = false;
  for (const FamilySnapshot& f : opt.metrics().collect()) {
    tracked |= f.name == "opusperf_memory_tracked_bytes" && !f.samples.empty() &&
               f.samples[0].value == 1234;
    level |= f.name == "opusperf_memory_pressure_level";
  }
  EXPECT_TRUE(tracked);
  EXPECT_TRUE(level);
}

TEST(MemoryComponentTest, AdoptsAMemoryOptimizerBuiltByTheCaller) {
  Registry registry;
  auto memory = std::make_unique<MemoryOptimizer>(quiet_config(), registry);
  MemoryOptimizer* raw = memory.get();
  MemoryComponent c(std::move(memory));
  EXPECT_EQ(&c.memory(), raw);
  EXPECT_EQ(c.section(), "memory");
  c.start();
  c.stop();
  EXPECT_THROW(MemoryComponent(std::unique_ptr<MemoryOptimizer>()), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
