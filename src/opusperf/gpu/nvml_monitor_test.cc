#include "opusperf/gpu/nvml_monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

namespace opusperf::gpu {
namespace {

using ::testing::HasSubstr;

TEST(NvmlMonitorTest, AMissingLibraryIsUnavailableNotAnError) {
  NvmlMonitor nvml("libnvidia-ml-does-not-exist.so.1");
  EXPECT_FALSE(nvml.available());
  EXPECT_THAT(nvml.reason(), HasSubstr("libnvidia-ml-does-not-exist.so.1 not found"));
  const NvmlSample s = nvml.sample();
  EXPECT_FALSE(s.available);
  EXPECT_TRUE(s.devices.empty());
  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j["available"], false);
  EXPECT_THAT(j["reason"].get<std::string>(), HasSubstr("not found"));
}

TEST(NvmlMonitorTest, ALibraryWithoutNvmlIsUnavailable) {
  NvmlMonitor nvml("libm.so.6");
  EXPECT_FALSE(nvml.available());
  EXPECT_THAT(nvml.reason(), HasSubstr("nvmlInit_v2"));
}

TEST(NvmlMonitorTest, ReadsEveryDeviceThroughTheLibrary) {
  NvmlMonitor nvml(OPUSPERF_FAKE_NVML);
  ASSERT_TRUE(nvml.available()) << nvml.reason();
  const NvmlSample s = nvml.sample();
  ASSERT_TRUE(s.available);
  ASSERT_EQ(s.devices.size(), 2u);
  const GpuUtilisation& d0 = s.devices[0];
  EXPECT_EQ(d0.name, "Fake GPU 0");
  EXPECT_EQ(d0.gpu_percent, 37u);
  EXPECT_EQ(d0.memory_percent, 12u);
  EXPECT_EQ(d0.memory_total_bytes, 80ull << 30);
  EXPECT_EQ(d0.memory_used_bytes, 1ull << 30);
  EXPECT_TRUE(d0.error.empty());
  const GpuUtilisation& d1 = s.devices[1];
  EXPECT_FALSE(d1.gpu_percent.has_value());
  EXPECT_EQ(d1.memory_used_bytes, 2ull << 30);
  EXPECT_THAT(d1.error, HasSubstr("Not Supported"));
  const nlohmann::json j = to_json(s);
  EXPECT_EQ(j["devices"][0]["gpu_percent"], 37);
  EXPECT_TRUE(j["devices"][1]["gpu_percent"].is_null());
}

TEST(NvmlMonitorTest, AFailingInitIsUnavailableWithNvmlsMessage) {
  setenv("FAKE_NVML_INIT_ERROR", "1", 1);
  NvmlMonitor nvml(OPUSPERF_FAKE_NVML);
  unsetenv("FAKE_NVML_INIT_ERROR");
  EXPECT_FALSE(nvml.available());
  EXPECT_THAT(nvml.reason(), HasSubstr("nvmlInit failed: Driver Not Loaded"));
}

}  // namespace
}  // namespace opusperf::gpu
