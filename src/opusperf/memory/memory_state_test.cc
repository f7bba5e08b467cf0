#include "opusperf/memory/memory_state.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

namespace opusperf {
namespace {

TEST(MemoryStateTest, CgroupLimitWinsOverPhysicalMemory) {
  SystemSample s;
  s.rss_bytes = 100;
  s.memory_total_bytes = 16000;
  s.memory_available_bytes = 8000;
  s.cgroup_version = 2;
  s.cgroup_memory_usage_bytes = 920;
  s.cgroup_memory_limit_bytes = 1000;
  s.memory_pressure = MemoryPressure{};
  s.memory_pressure->some_avg10 = 3.5;
  const MemoryState m = memory_state(s, HeapStats{});
  EXPECT_EQ(m.limit_source, "cgroup v2");
  EXPECT_EQ(m.usage_bytes, 920u);
  EXPECT_EQ(m.limit_bytes, 1000u);
  EXPECT_DOUBLE_EQ(*m.usage_share, 0.92);
  EXPECT_DOUBLE_EQ(*m.psi_some_avg10, 3.5);
  EXPECT_EQ(m.rss_bytes, 100u);
}

TEST(MemoryStateTest, WithoutACgroupLimitPhysicalMemoryIsTheLimit) {
  SystemSample s;
  s.memory_total_bytes = 16000;
  s.memory_available_bytes = 4000;
  s.cgroup_version = 1;
  s.cgroup_memory_usage_bytes = 5000;  // usage known, but no limit: not the binding constraint
  const MemoryState m = memory_state(s, HeapStats{});
  EXPECT_EQ(m.limit_source, "physical memory");
  EXPECT_DOUBLE_EQ(*m.usage_share, 0.75);
  EXPECT_FALSE(m.psi_some_avg10.has_value());
}

TEST(MemoryStateTest, NothingKnownGivesNoShare) {
  const MemoryState m = memory_state(SystemSample{}, HeapStats{});
  EXPECT_EQ(m.limit_source, "unknown");
  EXPECT_FALSE(m.usage_share.has_value());
}

TEST(MemoryStateTest, HeapStatsSeeAllocations) {
  const HeapStats before = HeapStats::read();
  std::vector<char*> blocks;
  for (int i = 0; i < 64; ++i)
    blocks.push_back(static_cast<char*>(std::malloc(1000)));
  const HeapStats during = HeapStats::read();
  for (char* b : blocks)
    std::free(b);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizers replace malloc; mallinfo2 does not see their heap";
#endif
  EXPECT_GE(during.in_use_bytes, before.in_use_bytes + 64 * 1000);
}

}  // namespace
}  // namespace opusperf
