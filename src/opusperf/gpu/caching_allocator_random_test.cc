// 100,000 random operations (allocate, free, record_stream, stream completion, empty_cache) on the
// host backend, checking after every step that the statistics hold their invariants and, every
// few hundred steps, that they agree with the segments and with the test's own model.
#include <gtest/gtest.h>

#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "opusperf/gpu/caching_allocator.h"
#include "opusperf/gpu/host_backend.h"

namespace opusperf::gpu {
namespace {

constexpr std::size_t MiB = 1024 * 1024;
constexpr int kOperations = 100'000;

struct Live {
  void* p;
  std::size_t requested;
};

struct Config {
  std::string name;
  CachingAllocatorOptions options;
};

class CachingAllocatorRandomTest : public ::testing::TestWithParam<Config> {};

// Every Stat: current = allocated - freed, peak >= current, peaks never fall.
void check_stat(const Stat& s, const Stat& before, const std::string& what) {
  ASSERT_EQ(s.current, s.allocated - s.freed) << what;
  ASSERT_GE(s.current, 0) << what;
  ASSERT_GE(s.peak, s.current) << what;
  ASSERT_GE(s.peak, before.peak) << what;
}

void check_invariants(const AllocatorStats& s, const AllocatorStats& before) {
  for (int pool = 0; pool < kStatPools; ++pool) {
    const std::string where = std::string(to_string(static_cast<StatPool>(pool)));
    ASSERT_GE(s.reserved_bytes[pool].current, s.active_bytes[pool].current) << where;
    ASSERT_GE(s.active_bytes[pool].current, s.allocated_bytes[pool].current) << where;
    ASSERT_GE(s.allocated_bytes[pool].current, s.requested_bytes[pool].current) << where;
    ASSERT_LE(s.inactive_split_bytes[pool].current,
              s.reserved_bytes[pool].current - s.active_bytes[pool].current)
        << where;
    ASSERT_GE(s.active[pool].current, s.allocation[pool].current) << where;
    for (auto [stat, prev, name] :
         {std::tuple{&s.allocation, &before.allocation, "allocation"},
          std::tuple{&s.segment, &before.segment, "segment"},
          std::tuple{&s.active, &before.active, "active"},
          std::tuple{&s.inactive_split, &before.inactive_split, "inactive_split"},
          std::tuple{&s.allocated_bytes, &before.allocated_bytes, "allocated_bytes"},
          std::tuple{&s.reserved_bytes, &before.reserved_bytes, "reserved_bytes"},
          std::tuple{&s.active_bytes, &before.active_bytes, "active_bytes"},
          std::tuple{&s.inactive_split_bytes, &before.inactive_split_bytes, "inactive_split_bytes"},
          std::tuple{&s.requested_bytes, &before.requested_bytes, "requested_bytes"}}) {
      check_stat((*stat)[pool], (*prev)[pool], std::string(name) + "." + where);
    }
    if (pool != kStatAll) continue;
    ASSERT_EQ(s.reserved_bytes[kStatAll].current,
              s.reserved_bytes[kStatSmallPool].current + s.reserved_bytes[kStatLargePool].current);
  }
}

// The segments tile their memory, and their sums are the statistics.
void check_segments(const CachingAllocator& a, const AllocatorStats& s) {
  std::int64_t reserved = 0;
  std::int64_t allocated = 0;
  for (const SegmentInfo& seg : a.segments()) {
    std::uintptr_t at = seg.address;
    std::size_t mapped = 0;
    for (const BlockInfo& b : seg.blocks) {
      ASSERT_EQ(b.address, at) << "blocks must tile their segment";
      at += b.size;
      if (b.mapped) mapped += b.size;
    }
    ASSERT_EQ(mapped, seg.reserved_bytes);
    reserved += static_cast<std::int64_t>(seg.reserved_bytes);
    allocated += static_cast<std::int64_t>(seg.allocated_bytes);
  }
  ASSERT_EQ(reserved, s.reserved_bytes[kStatAll].current);
  ASSERT_EQ(allocated, s.allocated_bytes[kStatAll].current);
}

TEST_P(CachingAllocatorRandomTest, StatisticsHoldTheirInvariants) {
  HostBackend backend({.capacity_bytes = 1024 * MiB, .manual_event_completion = true});
  std::vector<Stream> streams = {Stream{}, backend.create_stream(), backend.create_stream()};
  AllocatorStats before;
  std::map<std::uintptr_t, Live> live;  // by address: allocations must never overlap
  std::int64_t requested_total = 0;
  {
    CachingAllocator a(backend, GetParam().options);
    std::mt19937_64 rng(20240611);
    auto uniform = [&rng](std::size_t lo, std::size_t hi) {
      return std::uniform_int_distribution<std::size_t>(lo, hi)(rng);
    };
    int ooms = 0;
    for (int op = 0; op < kOperations; ++op) {
      const std::size_t dice = uniform(0, 999);
      if (dice < 480 || live.empty()) {
        const std::size_t kind = uniform(0, 9);
        const std::size_t bytes = kind < 6   ? uniform(1, 1 * MiB)
                                  : kind < 9 ? uniform(1 * MiB, 12 * MiB)
                                             : uniform(12 * MiB, 64 * MiB);
        const Stream s = streams[uniform(0, streams.size() - 1)];
        try {
          void* p = a.allocate(bytes, s);
          const auto addr = reinterpret_cast<std::uintptr_t>(p);
          ASSERT_EQ(addr % 512, 0u);
          const auto next = live.lower_bound(addr);
          if (next != live.end()) {
            ASSERT_GE(next->first, addr + bytes) << "overlaps the next";
          }
          if (next != live.begin()) {
            const auto prev = std::prev(next);
            ASSERT_LE(prev->first + prev->second.requested, addr) << "overlaps the previous";
          }
          live.emplace(addr, Live{p, bytes});
          requested_total += static_cast<std::int64_t>(bytes);
        } catch (const OutOfMemoryError&) {
          ++ooms;
        }
      } else if (dice < 950) {
        auto it = live.begin();
        std::advance(it, static_cast<long>(uniform(0, live.size() - 1)));
        if (uniform(0, 4) == 0) a.record_stream(it->second.p, streams[uniform(1, 2)]);
        a.deallocate(it->second.p);
        requested_total -= static_cast<std::int64_t>(it->second.requested);
        live.erase(it);
      } else if (dice < 995) {
        backend.complete_stream(streams[uniform(1, 2)]);
      } else {
        a.empty_cache();
      }
      const AllocatorStats s = a.stats();
      ASSERT_NO_FATAL_FAILURE(check_invariants(s, before)) << "after operation " << op;
      ASSERT_EQ(s.requested_bytes[kStatAll].current, requested_total);
      ASSERT_EQ(s.allocation[kStatAll].current, static_cast<std::int64_t>(live.size()));
      ASSERT_LE(s.reserved_bytes[kStatAll].current, static_cast<std::int64_t>(a.cap_bytes()));
      if (op % 500 == 0) {
        ASSERT_NO_FATAL_FAILURE(check_segments(a, s)) << "at operation " << op;
      }
      before = s;
    }
    EXPECT_EQ(before.num_ooms, ooms);
    // The mix reaches the cap now and then: the retry and out-of-memory paths ran too.
    EXPECT_GT(ooms, 0);
    EXPECT_GT(before.num_alloc_retries, 0);
    for (const auto& [addr, l] : live)
      a.deallocate(l.p);
    backend.complete_all();
    a.empty_cache();
    const AllocatorStats end = a.stats();
    EXPECT_EQ(end.reserved_bytes[kStatAll].current, 0);
    EXPECT_EQ(end.active_bytes[kStatAll].current, 0);
    EXPECT_EQ(end.inactive_split_bytes[kStatAll].current, 0);
    EXPECT_GT(end.num_device_alloc, 0);
  }
  EXPECT_EQ(backend.bytes_in_use(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Configs, CachingAllocatorRandomTest,
                         ::testing::Values(Config{"plain", {}},
                                           Config{"expandable", {.expandable_segments = true}},
                                           Config{"max_split_and_gc",
                                                  {.memory_fraction = 0.5,
                                                   .max_split_size = 32 * MiB,
                                                   .garbage_collection_threshold = 0.6}}),
                         [](const ::testing::TestParamInfo<Config>& info) {
                           return info.param.name;
                         });

}  // namespace
}  // namespace opusperf::gpu
