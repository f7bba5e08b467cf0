#include "opusperf/gpu/caching_allocator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "opusperf/gpu/host_backend.h"

namespace opusperf::gpu {
namespace {

using ::testing::HasSubstr;

constexpr std::size_t KiB = 1024;
constexpr std::size_t MiB = 1024 * 1024;

class CachingAllocatorTest : public ::testing::Test {
 protected:
  // A 256 MiB "device" whose events complete only when the test says so.
  HostBackend backend_{{.capacity_bytes = 256 * MiB, .manual_event_completion = true}};

  static std::int64_t all(const StatArray& s) { return s[kStatAll].current; }

  // Returns the segment holding p.
  static SegmentInfo segment_of(const CachingAllocator& a, const void* p) {
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    for (const SegmentInfo& s : a.segments()) {
      for (const BlockInfo& b : s.blocks) {
        if (b.mapped && addr >= b.address && addr < b.address + b.size) return s;
      }
    }
    ADD_FAILURE() << "no segment holds " << p;
    return {};
  }
  static BlockInfo block_at(const CachingAllocator& a, const void* p) {
    for (const BlockInfo& b : segment_of(a, p).blocks) {
      if (b.address == reinterpret_cast<std::uintptr_t>(p)) return b;
    }
    ADD_FAILURE() << "no block starts at " << p;
    return {};
  }
};

TEST_F(CachingAllocatorTest, RoundsRequestsTo512Bytes) {
  EXPECT_EQ(round_allocation_size(1), 512u);
  EXPECT_EQ(round_allocation_size(512), 512u);
  EXPECT_EQ(round_allocation_size(513), 1024u);
  CachingAllocator a(backend_);
  void* p = a.allocate(1);
  void* q = a.allocate(513);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 512, 0u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(q) % 512, 0u);
  const AllocatorStats s = a.stats();
  EXPECT_EQ(all(s.allocated_bytes), 512 + 1024);
  EXPECT_EQ(all(s.requested_bytes), 1 + 513);
  EXPECT_EQ(block_at(a, p).size, 512u);
  EXPECT_EQ(block_at(a, q).size, 1024u);
  a.deallocate(p);
  a.deallocate(q);
}

TEST_F(CachingAllocatorTest, ZeroBytesIsNullAndNullFreeIsIgnored) {
  CachingAllocator a(backend_);
  EXPECT_EQ(a.allocate(0), nullptr);
  a.deallocate(nullptr);
  EXPECT_EQ(all(a.stats().reserved_bytes), 0);
}

TEST_F(CachingAllocatorTest, PoolsAndSegmentSizesFollowTheRequestSize) {
  EXPECT_EQ(segment_size_for(1 * MiB), 2 * MiB);
  EXPECT_EQ(segment_size_for(1 * MiB + 512), 20 * MiB);
  EXPECT_EQ(segment_size_for(10 * MiB - 512), 20 * MiB);
  EXPECT_EQ(segment_size_for(10 * MiB), 10 * MiB);
  EXPECT_EQ(segment_size_for(11 * MiB + 512), 12 * MiB);

  struct Case {
    std::size_t request;
    bool small;
    std::size_t segment;
  };
  for (const Case& c : {Case{1 * MiB, true, 2 * MiB}, Case{1 * MiB + 1, false, 20 * MiB},
                        Case{10 * MiB - 513, false, 20 * MiB}, Case{10 * MiB - 1, false, 10 * MiB},
                        Case{11 * MiB + 1, false, 12 * MiB}}) {
    SCOPED_TRACE(c.request);
    CachingAllocator a(backend_);
    void* p = a.allocate(c.request);
    const SegmentInfo seg = segment_of(a, p);
    EXPECT_EQ(seg.small_pool, c.small);
    EXPECT_EQ(seg.reserved_bytes, c.segment);
    const AllocatorStats s = a.stats();
    const StatPool pool = c.small ? kStatSmallPool : kStatLargePool;
    EXPECT_EQ(s.reserved_bytes[pool].current, static_cast<std::int64_t>(c.segment));
    EXPECT_EQ(s.segment[pool].current, 1);
    a.deallocate(p);
  }
}

TEST_F(CachingAllocatorTest, SplitsSmallBlocksDownTo512AndLargeOnlyAboveOneMiB) {
  CachingAllocator a(backend_);
  // Small pool: a 2 MiB segment; the 1.5 MiB - 512 B left over is split off and reused.
  void* small = a.allocate(512 * KiB);
  EXPECT_EQ(block_at(a, small).size, 512 * KiB);
  EXPECT_EQ(all(a.stats().inactive_split), 1);
  void* small2 = a.allocate(1 * MiB);
  EXPECT_EQ(segment_of(a, small2).address, segment_of(a, small).address);
  EXPECT_EQ(all(a.stats().segment), 1);

  // Large pool: 9 MiB in a 20 MiB segment leaves 11 MiB: split.
  void* big = a.allocate(9 * MiB);
  EXPECT_EQ(block_at(a, big).size, 9 * MiB);
  EXPECT_EQ(segment_of(a, big).blocks.size(), 2u);
  // 10 MiB takes the 11 MiB rest; the 1 MiB left is not more than 1 MiB: no split.
  void* big2 = a.allocate(10 * MiB);
  EXPECT_EQ(big2, static_cast<char*>(big) + 9 * MiB);
  EXPECT_EQ(block_at(a, big2).size, 11 * MiB);
  EXPECT_EQ(segment_of(a, big2).blocks.size(), 2u);
  for (void* p : {small, small2, big, big2})
    a.deallocate(p);
}

TEST_F(CachingAllocatorTest, TakesTheBestFittingFreeBlock) {
  CachingAllocator a(backend_);
  // Three 20 MiB segments, each with a hole of 3, 5 or 4 MiB and a 2 MiB free tail.
  std::vector<void*> holes;
  std::vector<void*> kept;
  for (std::size_t mib : {3, 5, 4}) {
    holes.push_back(a.allocate(mib * MiB));
    kept.push_back(a.allocate((20 - mib - 2) * MiB));
  }
  EXPECT_EQ(all(a.stats().segment), 3);
  for (void* p : holes)
    a.deallocate(p);
  void* p = a.allocate(3 * MiB + 512);  // fits the 4 and the 5 MiB hole; 4 is the best fit
  EXPECT_EQ(p, holes[2]);
  void* q = a.allocate(3 * MiB);  // exactly the 3 MiB hole
  EXPECT_EQ(q, holes[0]);
  for (void* r : {p, q, kept[0], kept[1], kept[2]})
    a.deallocate(r);
}

TEST_F(CachingAllocatorTest, AmongEqualFitsTakesTheLowestAddress) {
  CachingAllocator a(backend_);
  // 300 free 512-byte holes between kept blocks, freed in a shuffled order: more blocks of one
  // size than a size bin's list holds (FreeBlockIndex::kMaxScan), so the bin starts as a list and
  // becomes an address heap; freeing the kept blocks at the end takes holes out of the heap's
  // middle as they coalesce.
  constexpr int kHoles = 300;
  std::vector<void*> holes;
  std::vector<void*> kept;
  for (int i = 0; i < kHoles; ++i) {
    holes.push_back(a.allocate(512));
    kept.push_back(a.allocate(512));
  }
  EXPECT_EQ(all(a.stats().segment), 1);
  std::vector<void*> order = holes;
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  for (void* p : order)
    a.deallocate(p);
  // Every hole is an exact fit; each request takes the lowest address left.
  std::sort(holes.begin(), holes.end());
  for (void* want : holes)
    ASSERT_EQ(a.allocate(512), want);
  // Again with fewer holes (the bin stays a heap), freed from the highest address down.
  for (int i = 0; i < 10; ++i)
    a.deallocate(holes[static_cast<std::size_t>(kHoles - 1 - i * 7)]);
  for (int i = 9; i >= 0; --i)
    ASSERT_EQ(a.allocate(300), holes[static_cast<std::size_t>(kHoles - 1 - i * 7)]);
  for (void* p : holes)
    a.deallocate(p);
  for (void* p : kept)
    a.deallocate(p);
}

TEST_F(CachingAllocatorTest, CoalescesFreedNeighbours) {
  CachingAllocator a(backend_);
  void* x = a.allocate(256 * KiB);
  void* y = a.allocate(256 * KiB);
  void* z = a.allocate(256 * KiB);
  EXPECT_EQ(static_cast<char*>(y), static_cast<char*>(x) + 256 * KiB);
  EXPECT_EQ(static_cast<char*>(z), static_cast<char*>(y) + 256 * KiB);
  EXPECT_EQ(segment_of(a, x).blocks.size(), 4u);  // x y z and the free rest
  a.deallocate(x);
  a.deallocate(z);  // merges with the free rest
  EXPECT_EQ(segment_of(a, y).blocks.size(), 3u);
  EXPECT_EQ(all(a.stats().inactive_split), 2);
  a.deallocate(y);  // merges with both sides: the segment is whole again
  const std::vector<SegmentInfo> segs = a.segments();
  ASSERT_EQ(segs.size(), 1u);
  ASSERT_EQ(segs[0].blocks.size(), 1u);
  EXPECT_EQ(segs[0].blocks[0].size, 2 * MiB);
  EXPECT_FALSE(segs[0].blocks[0].allocated);
  EXPECT_EQ(all(a.stats().inactive_split), 0);
  EXPECT_EQ(all(a.stats().inactive_split_bytes), 0);
}

TEST_F(CachingAllocatorTest, MaxSplitSizeKeepsOversizeBlocksWholeAndForOversizeRequests) {
  CachingAllocator a(backend_, {.max_split_size = 40 * MiB});
  void* big = a.allocate(50 * MiB);
  EXPECT_EQ(a.stats().oversize_allocations.current, 1);
  EXPECT_EQ(a.stats().oversize_segments.current, 1);
  a.deallocate(big);
  // A request under max_split_size never takes (and splits) the cached oversize block.
  void* mid = a.allocate(12 * MiB);
  EXPECT_NE(segment_of(a, mid).address, reinterpret_cast<std::uintptr_t>(big));
  EXPECT_EQ(all(a.stats().segment), 2);
  // An oversize request takes it whole when it wastes less than 20 MiB...
  void* over = a.allocate(45 * MiB);
  EXPECT_EQ(over, big);
  EXPECT_EQ(block_at(a, over).size, 50 * MiB);  // not split
  a.deallocate(over);
  void* under = a.allocate(30 * MiB + 512);  // under max_split: a new 32 MiB segment
  EXPECT_NE(under, big);
  EXPECT_EQ(segment_of(a, under).reserved_bytes, 32 * MiB);
  for (void* p : {mid, under})
    a.deallocate(p);
  EXPECT_EQ(a.stats().max_split_size, static_cast<std::int64_t>(40 * MiB));
}

TEST_F(CachingAllocatorTest, OversizeRequestSkipsACachedBlockThatWastesTwentyMiB) {
  CachingAllocator a(backend_, {.max_split_size = 20 * MiB});
  void* big = a.allocate(60 * MiB);
  a.deallocate(big);
  void* p = a.allocate(40 * MiB);  // 60 >= 40 + 20: would waste 20 MiB
  EXPECT_NE(p, big);
  EXPECT_EQ(all(a.stats().reserved_bytes), static_cast<std::int64_t>(100 * MiB));
  a.deallocate(p);
}

TEST_F(CachingAllocatorTest, BlocksAreReusedOnlyOnTheirStream) {
  CachingAllocator a(backend_);
  const Stream s1 = backend_.create_stream();
  const Stream s2 = backend_.create_stream();
  void* p = a.allocate(1 * MiB, s1);
  a.deallocate(p);
  void* q = a.allocate(1 * MiB, s2);
  EXPECT_NE(q, p);
  EXPECT_EQ(all(a.stats().segment), 2);
  void* r = a.allocate(1 * MiB, s1);
  EXPECT_EQ(r, p);
  a.deallocate(q);
  a.deallocate(r);
}

TEST_F(CachingAllocatorTest, CrossStreamReuseWaitsForTheRecordedEvent) {
  CachingAllocator a(backend_);
  const Stream s1 = backend_.create_stream();
  const Stream s2 = backend_.create_stream();
  void* p = a.allocate(1 * MiB, s1);
  a.record_stream(p, s2);
  a.deallocate(p);
  AllocatorStats s = a.stats();
  EXPECT_EQ(all(s.allocated_bytes), 0);
  EXPECT_EQ(all(s.active_bytes), static_cast<std::int64_t>(1 * MiB));  // waiting for s2

  void* q = a.allocate(1 * MiB, s1);  // s2 has not finished: p's block is not reusable
  EXPECT_NE(q, p);
  a.deallocate(q);
  backend_.complete_stream(s1);  // the wrong stream: still waiting
  void* r = a.allocate(1 * MiB, s1);
  EXPECT_NE(r, p);
  EXPECT_EQ(r, q);
  a.deallocate(r);

  EXPECT_EQ(backend_.complete_stream(s2), 1u);
  void* t = a.allocate(1 * MiB, s1);  // now p's block is free again, merged with its neighbour
  EXPECT_EQ(t, p);
  EXPECT_EQ(segment_of(a, t).blocks.size(), 2u);
  s = a.stats();
  EXPECT_EQ(all(s.active_bytes), all(s.allocated_bytes));
  a.deallocate(t);
}

TEST_F(CachingAllocatorTest, RecordingTheOwnStreamNeedsNoEvent) {
  CachingAllocator a(backend_);
  const Stream s1 = backend_.create_stream();
  void* p = a.allocate(4 * KiB, s1);
  a.record_stream(p, s1);
  a.deallocate(p);
  EXPECT_EQ(a.allocate(4 * KiB, s1), p);
  a.deallocate(p);
}

TEST_F(CachingAllocatorTest, OutOfMemoryAtTheCapNamesTheFigures) {
  CachingAllocator a(backend_, {.memory_fraction = 0.5});  // cap 128 MiB
  EXPECT_EQ(a.cap_bytes(), 128 * MiB);
  void* p = a.allocate(100 * MiB);
  try {
    a.allocate(40 * MiB);
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    EXPECT_THAT(e.what(), HasSubstr("tried to allocate 40.00 MiB"));
    EXPECT_THAT(e.what(), HasSubstr("100.00 MiB allocated"));
    EXPECT_THAT(e.what(), HasSubstr("100.00 MiB reserved"));
    EXPECT_THAT(e.what(), HasSubstr("cap 128.00 MiB"));
    EXPECT_THAT(e.what(), HasSubstr("memory fraction 0.50 of 256.00 MiB"));
    EXPECT_EQ(e.details().requested_bytes, 40 * MiB);
    EXPECT_EQ(e.details().cap_bytes, 128 * MiB);
    EXPECT_FALSE(e.details().device_refused);
  }
  const AllocatorStats s = a.stats();
  EXPECT_EQ(s.num_ooms, 1);
  EXPECT_EQ(s.num_alloc_retries, 1);  // it freed the (empty) cache and tried again
  a.deallocate(p);
  EXPECT_THROW(a.allocate(std::size_t{1} << 63), OutOfMemoryError);
}

TEST_F(CachingAllocatorTest, DeviceFullBelowTheCapIsAnOutOfMemoryToo) {
  CachingAllocator a(backend_, {.memory_fraction = 1.0});
  void* elsewhere = backend_.allocate(200 * MiB);  // someone else holds most of the device
  try {
    a.allocate(100 * MiB);
    FAIL() << "expected OutOfMemoryError";
  } catch (const OutOfMemoryError& e) {
    EXPECT_TRUE(e.details().device_refused);
    EXPECT_THAT(e.what(), HasSubstr("device refused"));
  }
  backend_.deallocate(elsewhere, 200 * MiB);
}

TEST_F(CachingAllocatorTest, RetriesAfterFreeingCachedSegments) {
  CachingAllocator a(backend_, {.memory_fraction = 0.5});  // cap 128 MiB
  const Stream s1 = backend_.create_stream();
  const Stream s2 = backend_.create_stream();
  void* p = a.allocate(100 * MiB, s1);
  a.deallocate(p);                     // cached for s1
  void* q = a.allocate(60 * MiB, s2);  // does not fit beside it: the cache is freed first
  ASSERT_NE(q, nullptr);
  const AllocatorStats s = a.stats();
  EXPECT_EQ(s.num_alloc_retries, 1);
  EXPECT_EQ(s.num_ooms, 0);
  EXPECT_EQ(all(s.reserved_bytes), static_cast<std::int64_t>(60 * MiB));
  a.deallocate(q);
}

TEST_F(CachingAllocatorTest, FreesCachedOversizeBlocksBeforeTheWholeCache) {
  CachingAllocator a(backend_, {.memory_fraction = 0.5, .max_split_size = 40 * MiB});
  void* keep_cached = a.allocate(4 * MiB);  // a 20 MiB segment that stays cached
  a.deallocate(keep_cached);
  void* over = a.allocate(80 * MiB);
  a.deallocate(over);
  void* p = a.allocate(30 * MiB);  // 20 + 80 + 30 > 128: the oversize block goes first
  const AllocatorStats s = a.stats();
  EXPECT_EQ(s.num_alloc_retries, 0);
  EXPECT_EQ(all(s.reserved_bytes), static_cast<std::int64_t>(50 * MiB));
  EXPECT_EQ(a.allocate(4 * MiB), keep_cached);
  a.deallocate(keep_cached);
  a.deallocate(p);
}

TEST_F(CachingAllocatorTest, EmptyCacheReleasesEveryUnsplitSegment) {
  CachingAllocator a(backend_);
  void* small_live = a.allocate(100 * KiB);
  void* small_gone = a.allocate(1 * MiB, backend_.create_stream());  // a second small segment
  void* large_live = a.allocate(5 * MiB);    // 20 MiB segment, 15 MiB of it free
  void* large_gone = a.allocate(16 * MiB);   // does not fit in 15: a 16 MiB segment
  void* large_gone2 = a.allocate(30 * MiB);  // a 30 MiB segment
  EXPECT_EQ(all(a.stats().segment), 5);
  const Stream s2 = backend_.create_stream();
  a.record_stream(large_gone2, s2);
  for (void* p : {small_gone, large_gone, large_gone2})
    a.deallocate(p);

  // large_gone2 still waits for s2; the two other freed segments are released whole.
  EXPECT_EQ(a.empty_cache(), 2 * MiB + 16 * MiB);
  AllocatorStats s = a.stats();
  EXPECT_EQ(all(s.segment), 3);
  EXPECT_EQ(all(s.reserved_bytes), static_cast<std::int64_t>(2 * MiB + 20 * MiB + 30 * MiB));
  backend_.complete_stream(s2);
  EXPECT_EQ(a.empty_cache(), 30 * MiB);
  s = a.stats();
  EXPECT_EQ(all(s.reserved_bytes), static_cast<std::int64_t>(2 * MiB + 20 * MiB));
  EXPECT_EQ(s.num_device_free, 3);
  EXPECT_EQ(a.empty_cache(), 0u);  // split segments in use stay
  a.deallocate(small_live);
  a.deallocate(large_live);
  EXPECT_EQ(a.empty_cache(), 22 * MiB);
  EXPECT_EQ(all(a.stats().reserved_bytes), 0);
  EXPECT_EQ(backend_.bytes_in_use(), 0u);
}

TEST_F(CachingAllocatorTest, GarbageCollectionFreesTheOldestIdleSegmentsFirst) {
  // cap 256 MiB, threshold 0.25: a new segment may take reserved memory to 64 MiB at most
  // before idle segments are collected.
  CachingAllocator a(backend_, {.garbage_collection_threshold = 0.25});
  void* first = a.allocate(16 * MiB);
  void* second = a.allocate(16 * MiB);
  void* third = a.allocate(16 * MiB);
  a.deallocate(first);  // idle longest
  a.deallocate(third);
  a.deallocate(second);                           // idle most recently
  const Stream other = backend_.create_stream();  // so the cache cannot serve the next requests
  void* p = a.allocate(20 * MiB, other);          // 48 + 20 > 64: frees `first` only
  std::vector<std::uintptr_t> kept;
  for (const SegmentInfo& s : a.segments()) {
    if (s.stream == Stream{}) kept.push_back(s.address);
  }
  std::sort(kept.begin(), kept.end());
  std::vector<std::uintptr_t> expected = {reinterpret_cast<std::uintptr_t>(second),
                                          reinterpret_cast<std::uintptr_t>(third)};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(kept, expected);

  void* q = a.allocate(20 * MiB, other);  // 52 + 20 > 64: frees `third`, idle before `second`
  kept.clear();
  for (const SegmentInfo& s : a.segments()) {
    if (s.stream == Stream{}) kept.push_back(s.address);
  }
  EXPECT_EQ(kept, std::vector<std::uintptr_t>{reinterpret_cast<std::uintptr_t>(second)});
  EXPECT_EQ(a.stats().num_alloc_retries, 0);
  a.deallocate(p);
  a.deallocate(q);
}

TEST_F(CachingAllocatorTest, GarbageCollectionOffKeepsTheCache) {
  CachingAllocator a(backend_);
  void* p = a.allocate(16 * MiB);
  a.deallocate(p);
  void* q = a.allocate(100 * MiB, backend_.create_stream());
  EXPECT_EQ(all(a.stats().segment), 2);
  a.deallocate(q);
}

TEST_F(CachingAllocatorTest, ResetPeakStatsLowersPeaksToCurrent) {
  CachingAllocator a(backend_);
  void* p = a.allocate(8 * MiB);
  a.deallocate(p);
  AllocatorStats s = a.stats();
  EXPECT_EQ(s.allocated_bytes[kStatAll].peak, static_cast<std::int64_t>(8 * MiB));
  EXPECT_EQ(s.allocated_bytes[kStatAll].allocated, static_cast<std::int64_t>(8 * MiB));
  EXPECT_EQ(s.allocated_bytes[kStatAll].freed, static_cast<std::int64_t>(8 * MiB));
  a.reset_peak_stats();
  s = a.stats();
  EXPECT_EQ(s.allocated_bytes[kStatAll].peak, 0);
  EXPECT_EQ(s.reserved_bytes[kStatAll].peak, static_cast<std::int64_t>(20 * MiB));
}

TEST_F(CachingAllocatorTest, StatsUsePyTorchKeys) {
  CachingAllocator a(backend_);
  void* p = a.allocate(3000);
  const auto kv = to_key_values(a.stats());
  EXPECT_EQ(kv.at("allocated_bytes.all.current"), 3072);
  EXPECT_EQ(kv.at("requested_bytes.small_pool.current"), 3000);
  EXPECT_EQ(kv.at("reserved_bytes.all.peak"), static_cast<std::int64_t>(2 * MiB));
  EXPECT_EQ(kv.at("active.all.current"), 1);
  EXPECT_EQ(kv.at("inactive_split.small_pool.current"), 1);
  EXPECT_EQ(kv.at("segment.large_pool.current"), 0);
  EXPECT_EQ(kv.at("num_alloc_retries"), 0);
  EXPECT_EQ(kv.at("num_ooms"), 0);
  EXPECT_EQ(kv.at("num_device_alloc"), 1);
  EXPECT_EQ(kv.at("max_split_size"), -1);
  EXPECT_EQ(to_json(a.stats())["allocation.all.allocated"], 1);
  a.deallocate(p);
}

TEST_F(CachingAllocatorTest, RejectsForeignPointersAndBadOptions) {
  CachingAllocator a(backend_);
  int x = 0;
  EXPECT_THROW(a.deallocate(&x), std::invalid_argument);
  EXPECT_THROW(a.record_stream(&x, Stream{}), std::invalid_argument);
  EXPECT_THROW(CachingAllocator(backend_, {.memory_fraction = 0}), std::invalid_argument);
  EXPECT_THROW(CachingAllocator(backend_, {.memory_fraction = 1.5}), std::invalid_argument);
  EXPECT_THROW(CachingAllocator(backend_, {.max_split_size = 1 * MiB}), std::invalid_argument);
  EXPECT_THROW(CachingAllocator(backend_, {.garbage_collection_threshold = 1.0}),
               std::invalid_argument);
}

TEST_F(CachingAllocatorTest, DestructorGivesEverythingBack) {
  {
    CachingAllocator a(backend_);
    a.allocate(5 * MiB);  // never freed: released with the allocator (and a warning)
    a.allocate(100);
  }
  EXPECT_EQ(backend_.bytes_in_use(), 0u);
}

TEST_F(CachingAllocatorTest, ManyThreadsAllocateAndFreeConcurrently) {
  CachingAllocator a(backend_);
  constexpr int kThreads = 4;
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  constexpr int kRounds = 300;
#else
  constexpr int kRounds = 3000;
#endif
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&a, t] {
      std::vector<void*> mine;
      for (int i = 0; i < kRounds; ++i) {
        mine.push_back(a.allocate(static_cast<std::size_t>((i * 7919 + t) % (3 * MiB) + 1)));
        if (mine.size() > 8) {
          a.deallocate(mine.front());
          mine.erase(mine.begin());
        }
      }
      for (void* p : mine)
        a.deallocate(p);
    });
  }
  for (auto& th : threads)
    th.join();
  const AllocatorStats s = a.stats();
  EXPECT_EQ(all(s.allocated_bytes), 0);
  EXPECT_EQ(s.allocation[kStatAll].allocated, kThreads * kRounds);
  EXPECT_EQ(a.empty_cache(), static_cast<std::uint64_t>(all(s.reserved_bytes)));
}

}  // namespace
}  // namespace opusperf::gpu
