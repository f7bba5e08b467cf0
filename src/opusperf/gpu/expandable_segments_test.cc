// Expandable segments on the host backend: one reserved address range a (stream, pool), memory
// mapped into it in pages (20 MiB large, 2 MiB small) and unmapped by empty_cache().
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "opusperf/gpu/caching_allocator.h"
#include "opusperf/gpu/host_backend.h"

namespace opusperf::gpu {
namespace {

constexpr std::size_t MiB = 1024 * 1024;

std::int64_t reserved(const CachingAllocator& a) {
  return a.stats().reserved_bytes[kStatAll].current;
}

// The sequence: 8 x 16 MiB allocated, all freed, then 4 x 32 MiB. Returns reserved bytes.
std::int64_t reserved_after_sequence(bool expandable) {
  HostBackend backend({.capacity_bytes = 1024 * MiB});
  CachingAllocator a(backend, {.expandable_segments = expandable});
  std::vector<void*> blocks;
  for (int i = 0; i < 8; ++i)
    blocks.push_back(a.allocate(16 * MiB));
  for (void* p : blocks)
    a.deallocate(p);
  blocks.clear();
  for (int i = 0; i < 4; ++i)
    blocks.push_back(a.allocate(32 * MiB));
  const std::int64_t r = reserved(a);
  for (void* p : blocks)
    a.deallocate(p);
  return r;
}

TEST(ExpandableSegmentsTest, FreedSixteensServeThirtyTwosWithoutNewMemory) {
  const std::int64_t plain = reserved_after_sequence(false);
  const std::int64_t expandable = reserved_after_sequence(true);
  EXPECT_EQ(plain, static_cast<std::int64_t>(256 * MiB));  // 8 x 16 cached + 4 x 32 new
  EXPECT_LE(expandable, static_cast<std::int64_t>(144 * MiB));
  EXPECT_EQ(expandable, static_cast<std::int64_t>(140 * MiB));  // 128 MiB in 20 MiB pages
}

TEST(ExpandableSegmentsTest, GrowsInPlaceKeepingDataAndAddresses) {
  HostBackend backend({.capacity_bytes = 512 * MiB});
  CachingAllocator a(backend, {.expandable_segments = true});
  ASSERT_TRUE(a.expandable_segments());
  auto* first = static_cast<unsigned char*>(a.allocate(16 * MiB));
  std::memset(first, 0xab, 16 * MiB);
  EXPECT_EQ(reserved(a), static_cast<std::int64_t>(20 * MiB));
  auto* second = static_cast<unsigned char*>(a.allocate(16 * MiB));  // maps one more page
  EXPECT_EQ(second, first + 16 * MiB);
  std::memset(second, 0xcd, 16 * MiB);
  EXPECT_EQ(reserved(a), static_cast<std::int64_t>(40 * MiB));
  EXPECT_EQ(first[0], 0xab);
  EXPECT_EQ(first[16 * MiB - 1], 0xab);
  const std::vector<SegmentInfo> segs = a.segments();
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_TRUE(segs[0].expandable);
  EXPECT_EQ(segs[0].reserved_bytes, 40 * MiB);
  a.deallocate(first);
  a.deallocate(second);
}

TEST(ExpandableSegmentsTest, EmptyCacheUnmapsEveryFreePageAndReleasesTheRange) {
  HostBackend backend({.capacity_bytes = 512 * MiB});
  CachingAllocator a(backend, {.expandable_segments = true});
  std::vector<void*> blocks;
  for (int i = 0; i < 3; ++i)
    blocks.push_back(a.allocate(16 * MiB));  // 48 MiB in three 20 MiB pages
  EXPECT_EQ(reserved(a), static_cast<std::int64_t>(60 * MiB));
  auto* base = static_cast<char*>(blocks[0]);
  std::memset(blocks[2], 0x5a, 16 * MiB);

  a.deallocate(blocks[1]);  // [16, 32) MiB free: holds no whole page
  EXPECT_EQ(a.empty_cache(), 0u);
  a.deallocate(blocks[0]);  // [0, 32) MiB free: page [0, 20) goes
  EXPECT_EQ(a.empty_cache(), 20 * MiB);
  EXPECT_EQ(reserved(a), static_cast<std::int64_t>(40 * MiB));
  EXPECT_EQ(backend.bytes_in_use(), 40 * MiB);
  EXPECT_EQ(static_cast<unsigned char*>(blocks[2])[0], 0x5a);

  // 30 MiB: the hole at [0, 20) is too small and [20, 32) is not at a hole's edge, so the free
  // tail [48, 60) grows by one page into [48, 80).
  void* p = a.allocate(30 * MiB);
  EXPECT_EQ(p, base + 48 * MiB);
  EXPECT_EQ(reserved(a), static_cast<std::int64_t>(60 * MiB));
  a.deallocate(p);
  a.deallocate(blocks[2]);
  EXPECT_EQ(a.empty_cache(), 60 * MiB);
  EXPECT_EQ(reserved(a), 0);
  EXPECT_TRUE(a.segments().empty());
  EXPECT_EQ(a.stats().segment[kStatAll].current, 0);
  EXPECT_EQ(backend.bytes_in_use(), 0u);
}

TEST(ExpandableSegmentsTest, SmallPoolMapsTwoMiBPages) {
  HostBackend backend({.capacity_bytes = 512 * MiB});
  CachingAllocator a(backend, {.expandable_segments = true});
  std::vector<void*> blocks;
  for (int i = 0; i < 3; ++i)
    blocks.push_back(a.allocate(1 * MiB));
  EXPECT_EQ(a.stats().reserved_bytes[kStatSmallPool].current, static_cast<std::int64_t>(4 * MiB));
  EXPECT_EQ(static_cast<char*>(blocks[2]), static_cast<char*>(blocks[0]) + 2 * MiB);
  for (void* p : blocks)
    a.deallocate(p);
  EXPECT_EQ(a.empty_cache(), 4 * MiB);
}

TEST(ExpandableSegmentsTest, TheCapStillHolds) {
  HostBackend backend({.capacity_bytes = 256 * MiB});
  CachingAllocator a(backend, {.memory_fraction = 0.5, .expandable_segments = true});
  void* p = a.allocate(100 * MiB);
  EXPECT_THROW(a.allocate(40 * MiB), OutOfMemoryError);
  EXPECT_EQ(a.stats().num_ooms, 1);
  EXPECT_LE(reserved(a), static_cast<std::int64_t>(a.cap_bytes()));
  a.deallocate(p);
  void* q = a.allocate(120 * MiB);  // the freed 100 MiB block grows in place
  EXPECT_EQ(q, p);
  a.deallocate(q);
}

TEST(ExpandableSegmentsTest, StreamsGetTheirOwnRanges) {
  HostBackend backend({.capacity_bytes = 512 * MiB});
  CachingAllocator a(backend, {.expandable_segments = true});
  const Stream s = backend.create_stream();
  void* p = a.allocate(16 * MiB);
  void* q = a.allocate(16 * MiB, s);
  EXPECT_EQ(a.segments().size(), 2u);
  a.deallocate(p);
  void* r = a.allocate(16 * MiB, s);  // p's range belongs to the default stream
  EXPECT_NE(r, p);
  a.deallocate(q);
  a.deallocate(r);
}

TEST(ExpandableSegmentsTest, FallsBackToPlainSegmentsWithoutVirtualMemory) {
  HostBackend backend({.capacity_bytes = 512 * MiB, .virtual_memory = false});
  CachingAllocator a(backend, {.expandable_segments = true});
  EXPECT_FALSE(a.expandable_segments());
  void* p = a.allocate(16 * MiB);
  EXPECT_FALSE(a.segments()[0].expandable);
  a.deallocate(p);
}

}  // namespace
}  // namespace opusperf::gpu
