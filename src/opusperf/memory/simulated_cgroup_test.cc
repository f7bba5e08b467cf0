#include "opusperf/memory/simulated_cgroup.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace opusperf {
namespace {

std::filesystem::path unique_root() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::temp_directory_path() /
         ("opusperf_simcg_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
}

TEST(SimulatedCgroupTest, SamplerSeesTheSimulatedCgroupAndRealRss) {
  const auto root = unique_root();
  {
    SimulatedCgroup cg(root);
    cg.set_memory(920ull << 20, 1000ull << 20);
    SystemSampler sampler = cg.sampler();
    SystemSample s = sampler.sample();
    EXPECT_EQ(s.cgroup_version, 2);
    EXPECT_EQ(s.cgroup_memory_usage_bytes, 920ull << 20);
    EXPECT_EQ(s.cgroup_memory_limit_bytes, 1000ull << 20);
    EXPECT_GT(s.rss_bytes, 0u);  // the real process's
    EXPECT_FALSE(s.memory_pressure.has_value());

    cg.set_pressure(12.5, 1.25);
    s = sampler.sample();
    ASSERT_TRUE(s.memory_pressure.has_value());
    EXPECT_DOUBLE_EQ(s.memory_pressure->some_avg10, 12.5);
    EXPECT_DOUBLE_EQ(s.memory_pressure->full_avg10, 1.25);
    cg.clear_pressure();
    EXPECT_FALSE(sampler.sample().memory_pressure.has_value());

    cg.set_rss(123ull << 20);
    EXPECT_EQ(sampler.sample().rss_bytes, 123ull << 20);
  }
  EXPECT_FALSE(std::filesystem::exists(root));
}

}  // namespace
}  // namespace opusperf
