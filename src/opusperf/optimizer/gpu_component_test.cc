#include "opusperf/optimizer/gpu_component.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "opusperf/optimizer/performance_optimizer.h"

namespace opusperf {
namespace {

using ::testing::HasSubstr;

constexpr std::size_t MiB = 1024 * 1024;

std::unique_ptr<gpu::GpuOptimizer> host_gpu(double fraction = 0.5) {
  gpu::GpuOptimizerOptions o;
  o.backend = "host";
  o.host.capacity_bytes = 256 * MiB;
  o.allocator.memory_fraction = fraction;
  o.nvml_library = "libnvidia-ml-absent.so.1";
  return std::make_unique<gpu::GpuOptimizer>(o);
}

double gauge(Registry& r, const char* name) {
  return r.gauge(name, "").with({}).value();
}
std::uint64_t counter(Registry& r, const char* name) {
  return r.counter(name, "").with({}).value();
}

TEST(GpuComponentTest, OptimizeNowReportsTheBytesReleased) {
  Registry metrics;
  GpuComponent c(host_gpu(), metrics);
  EXPECT_EQ(c.section(), "gpu");
  gpu::CachingAllocator& a = c.gpu().allocator();
  void* p = a.allocate(12 * MiB);
  void* q = a.allocate(100);
  a.deallocate(p);
  const OptimizationStep step = c.optimize_now();
  EXPECT_EQ(step.component, "gpu");
  EXPECT_EQ(step.bytes_freed, 12 * MiB);
  EXPECT_THAT(step.detail, HasSubstr("released 12.00 MiB of 14.00 MiB reserved on the host"));
  EXPECT_EQ(c.optimize_now().bytes_freed, 0u);
  EXPECT_EQ(counter(metrics, "opusperf_gpu_released_bytes_total"), 12 * MiB);
  a.deallocate(q);
}

TEST(GpuComponentTest, ReportSectionIsEnabledAndRefreshesTheMetrics) {
  Registry metrics;
  GpuComponent c(host_gpu(0.5), metrics);
  gpu::CachingAllocator& a = c.gpu().allocator();
  void* p = a.allocate(100 * MiB);
  EXPECT_THROW(a.allocate(40 * MiB), gpu::OutOfMemoryError);
  const nlohmann::json s = c.report_section();
  EXPECT_EQ(s["enabled"], true);
  EXPECT_EQ(s["backend"], "host");
  EXPECT_EQ(s["allocator"]["num_ooms"], 1);
  EXPECT_EQ(gauge(metrics, "opusperf_gpu_allocated_bytes"), 100.0 * MiB);
  EXPECT_EQ(gauge(metrics, "opusperf_gpu_reserved_bytes"), 100.0 * MiB);
  EXPECT_EQ(gauge(metrics, "opusperf_gpu_memory_cap_bytes"), 128.0 * MiB);
  EXPECT_EQ(counter(metrics, "opusperf_gpu_ooms_total"), 1u);
  EXPECT_EQ(counter(metrics, "opusperf_gpu_alloc_retries_total"), 1u);
  c.report_section();  // counters advance by changes only
  EXPECT_EQ(counter(metrics, "opusperf_gpu_ooms_total"), 1u);
  a.deallocate(p);
}

TEST(GpuComponentTest, PlugsIntoThePerformanceOptimizer) {
  OptimizationConfig config;
  config.enable_monitoring = false;
  PerformanceOptimizer opt(config);
  auto component = std::make_unique<GpuComponent>(host_gpu(), opt.metrics());
  gpu::GpuOptimizer& g = component->gpu();
  opt.add_component(std::move(component));
  void* p = g.allocator().allocate(5 * MiB);
  g.allocator().deallocate(p);
  const ForceOptimizationResult r = opt.force_optimization();
  const auto step = std::find_if(r.steps.begin(), r.steps.end(),
                                 [](const OptimizationStep& s) { return s.component == "gpu"; });
  ASSERT_NE(step, r.steps.end());
  EXPECT_EQ(step->bytes_freed, 20 * MiB);
  const nlohmann::json doc = opt.report().json();
  EXPECT_EQ(doc["gpu"]["enabled"], true);
  EXPECT_EQ(doc["gpu"]["released_bytes_total"], 20 * MiB);
}

TEST(GpuComponentTest, BuildsFromTheConfig) {
  OptimizationConfig config;
  config.tensor_memory_fraction = 0.3;
  Registry metrics;
  GpuComponent c(config, metrics);
  EXPECT_EQ(c.gpu().allocator().options().memory_fraction, 0.3);
  EXPECT_THROW(GpuComponent(nullptr, metrics), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
