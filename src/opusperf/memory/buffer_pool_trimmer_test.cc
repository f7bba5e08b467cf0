#include "opusperf/memory/buffer_pool_trimmer.h"

#include <gtest/gtest.h>

#include <vector>

namespace opusperf {
namespace {

constexpr std::size_t kMiB = 1 << 20;

// A pool with `n` idle 1 MiB buffers.
void fill(BufferPool& pool, int n) {
  std::vector<Buffer> held;
  for (int i = 0; i < n; ++i)
    held.push_back(pool.acquire(kMiB));
}

TEST(BufferPoolTrimmerTest, EachLevelReleasesItsShareOfIdleBuffers) {
  BufferPoolOptions o;
  o.size_classes = {kMiB};
  BufferPool pool(o);
  Trimmer t = buffer_pool_trimmer(pool, "frames");
  EXPECT_EQ(t.name, "frames");
  EXPECT_EQ(t.priority, kBufferPoolTrimPriority);
  fill(pool, 8);
  EXPECT_EQ(t.reclaimable_bytes(), 8 * kMiB);
  EXPECT_EQ(t.trim(PressureLevel::kNormal), 0u);
  EXPECT_EQ(t.trim(PressureLevel::kElevated), 4 * kMiB);  // keeps a warm half
  EXPECT_EQ(t.trim(PressureLevel::kHigh), 4 * kMiB);
  fill(pool, 2);
  EXPECT_EQ(t.trim(PressureLevel::kCritical), 2 * kMiB);
  EXPECT_EQ(t.reclaimable_bytes(), 0u);
}

TEST(BufferPoolTrimmerTest, BuffersInUseAreNeverReleased) {
  BufferPoolOptions o;
  o.size_classes = {kMiB};
  BufferPool pool(o);
  Trimmer t = buffer_pool_trimmer(pool, "frames");
  Buffer held = pool.acquire(kMiB);
  EXPECT_EQ(t.trim(PressureLevel::kCritical), 0u);
  EXPECT_EQ(pool.stats().bytes_in_use, kMiB);
}

}  // namespace
}  // namespace opusperf
