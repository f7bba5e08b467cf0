#include "opusperf/gpu/gpu_optimizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "opusperf/core/errors.h"
#include "opusperf/core/profiles.h"

namespace opusperf::gpu {
namespace {

using ::testing::HasSubstr;

constexpr std::size_t MiB = 1024 * 1024;

GpuOptimizerOptions host_options() {
  GpuOptimizerOptions o;
  o.backend = "host";
  o.host.capacity_bytes = 512 * MiB;
  o.nvml_library = "libnvidia-ml-absent.so.1";
  return o;
}

TEST(GpuOptimizerTest, TakesItsSettingsFromTheConfig) {
  OptimizationConfig c;
  c.tensor_memory_fraction = 0.25;
  c.mixed_precision = true;
  c.enable_cuda_graphs = true;
  const GpuOptimizerOptions o = GpuOptimizerOptions::from_config(c);
  EXPECT_EQ(o.allocator.memory_fraction, 0.25);
  EXPECT_TRUE(o.mixed_precision);
  EXPECT_TRUE(o.cuda_graphs);
  EXPECT_EQ(o.backend, "auto");
}

TEST(GpuOptimizerTest, OptimizeGpuMemoryReturnsTheBytesActuallyReleased) {
  GpuOptimizerOptions o = host_options();
  o.allocator.memory_fraction = 0.5;
  GpuOptimizer gpu(o);
  EXPECT_EQ(gpu.allocator().cap_bytes(), 256 * MiB);
  CachingAllocator& a = gpu.allocator();
  void* keep = a.allocate(1 * MiB);  // its 2 MiB segment stays
  void* gone = a.allocate(30 * MiB);
  void* gone2 = a.allocate(5 * MiB);  // a 20 MiB segment
  a.deallocate(gone);
  a.deallocate(gone2);
  EXPECT_EQ(gpu.optimize_gpu_memory(), 50 * MiB);
  EXPECT_EQ(gpu.optimize_gpu_memory(), 0u);  // nothing left to give back
  EXPECT_EQ(gpu.released_bytes_total(), 50 * MiB);
  EXPECT_EQ(gpu.optimizations(), 2u);
  EXPECT_EQ(gpu.backend().memory_info().free_bytes, 510 * MiB);
  a.deallocate(keep);
}

TEST(GpuOptimizerTest, PrecisionAndGraphModeFollowTheSettings) {
  GpuOptimizerOptions o = host_options();
  {
    GpuOptimizer gpu(o);
    EXPECT_EQ(gpu.compute_precision(), Precision::kFloat32);
    EXPECT_EQ(gpu.make_graph_runner(Stream{}).mode(), GraphRunner::Mode::kEager);
  }
  o.mixed_precision = true;
  o.cuda_graphs = true;
  GpuOptimizer gpu(o);
  EXPECT_EQ(gpu.compute_precision(), Precision::kBFloat16);
  const Stream s = gpu.backend().create_stream();
  EXPECT_EQ(gpu.make_graph_runner(s).mode(), GraphRunner::Mode::kGraph);
}

TEST(GpuOptimizerTest, ReportNamesBackendDeviceAllocatorAndUtilisation) {
  GpuOptimizer gpu(host_options());
  void* p = gpu.allocator().allocate(3000);
  const nlohmann::json r = gpu.report();
  EXPECT_EQ(r["backend"], "host");
  EXPECT_EQ(r["backend_note"], "asked for");
  EXPECT_EQ(r["device"]["total_bytes"], 512 * MiB);
  EXPECT_EQ(r["device"]["free_bytes"], 510 * MiB);
  EXPECT_EQ(r["cap_bytes"], static_cast<std::uint64_t>(0.9 * 512 * MiB));
  EXPECT_EQ(r["allocator"]["allocated_bytes.all.current"], 3072);
  EXPECT_EQ(r["allocator"]["requested_bytes.all.current"], 3000);
  EXPECT_EQ(r["allocator"]["reserved_bytes.all.current"], 2 * MiB);
  EXPECT_EQ(r["utilisation"]["available"], false);
  EXPECT_THAT(r["utilisation"]["reason"].get<std::string>(), HasSubstr("not found"));
  EXPECT_EQ(r["compute_precision"], "fp32");
  EXPECT_FALSE(r["conversion_isa"].get<std::string>().empty());
  gpu.allocator().deallocate(p);
}

TEST(GpuOptimizerTest, BadSettingsAreRejected) {
  GpuOptimizerOptions o = host_options();
  o.backend = "quantum";
  EXPECT_THROW(GpuOptimizer{o}, InputError);
  o = host_options();
  o.allocator.memory_fraction = 2;
  EXPECT_THROW(GpuOptimizer{o}, std::invalid_argument);
}

TEST(GpuOptimizerTest, AutoRunsOnWhateverIsPresent) {
  GpuOptimizerOptions o = GpuOptimizerOptions::from_config(profiles::production());
  GpuOptimizer gpu(o);
  EXPECT_FALSE(gpu.backend_note().empty());
  void* p = gpu.allocator().allocate(1 * MiB);
  EXPECT_NE(p, nullptr);
  gpu.allocator().deallocate(p);
  EXPECT_EQ(gpu.optimize_gpu_memory(), 2 * MiB);
}

}  // namespace
}  // namespace opusperf::gpu
