#include "opusperf/memory/mmap_memory_resource.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <new>

namespace opusperf {
namespace {

TEST(MmapMemoryResourceTest, GivesPageAlignedZeroedWritableMemory) {
  MmapMemoryResource& r = MmapMemoryResource::instance();
  const std::size_t bytes = 3 * MmapMemoryResource::page_size() + 5;
  auto* p = static_cast<unsigned char*>(r.allocate(bytes, 64));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % MmapMemoryResource::page_size(), 0u);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[bytes - 1], 0);
  std::memset(p, 0x5a, bytes);
  EXPECT_EQ(p[bytes - 1], 0x5a);
  r.deallocate(p, bytes, 64);
}

TEST(MmapMemoryResourceTest, RejectsAlignmentAboveAPage) {
  MmapMemoryResource r;
  EXPECT_THROW((void)r.allocate(4096, MmapMemoryResource::page_size() * 2), std::bad_alloc);
  EXPECT_TRUE(r.is_equal(MmapMemoryResource::instance()));
}

}  // namespace
}  // namespace opusperf
