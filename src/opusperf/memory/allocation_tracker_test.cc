#include "opusperf/memory/allocation_tracker.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace opusperf {
namespace {

double gauge_value(const Registry& r, const std::string& family, const std::string& label) {
  for (const FamilySnapshot& f : r.collect()) {
    if (f.name != family) continue;
    for (const MetricSample& s : f.samples) {
      if (s.label_values == std::vector<std::string>{label}) return s.value;
    }
  }
  return -1;
}

TEST(AllocationTrackerTest, TokensCountWhileAliveAndUntrackWhenDestroyed) {
  AllocationTracker tracker;
  {
    TrackedAllocation a = tracker.track("model.weights", 1000, "ranker");
    TrackedAllocation b = tracker.track("model.weights", 500, "ranker");
    EXPECT_EQ(tracker.bytes("model.weights"), 1500u);
    EXPECT_EQ(a.name(), "model.weights");
    EXPECT_EQ(a.owner(), "ranker");
    EXPECT_EQ(a.bytes(), 1000u);
  }
  EXPECT_EQ(tracker.bytes("model.weights"), 0u);
  EXPECT_EQ(tracker.bytes("never.seen"), 0u);
}

TEST(AllocationTrackerTest, MovedTokenUntracksOnce) {
  AllocationTracker tracker;
  TrackedAllocation a = tracker.track("frames", 64);
  TrackedAllocation b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): testing the moved-from state
  EXPECT_EQ(tracker.bytes("frames"), 64u);
  TrackedAllocation c;
  c = std::move(b);
  c.reset();
  c.reset();
  EXPECT_EQ(tracker.bytes("frames"), 0u);
}

TEST(AllocationTrackerTest, SnapshotTotalsByNameAndLargestOwners) {
  AllocationTracker tracker;
  std::vector<TrackedAllocation> held;
  held.push_back(tracker.track("decoder.frames", 300, "decoder-1"));
  held.push_back(tracker.track("decoder.frames", 700, "decoder-2"));
  held.push_back(tracker.track("decoder.frames", 100, "decoder-2"));
  held.push_back(tracker.track("model.weights", 5000, "ranker"));
  held.push_back(tracker.track("scratch", 10));
  TrackedAllocation gone = tracker.track("scratch", 99, "temp");
  gone.reset();

  const TrackedSnapshot s = tracker.snapshot(/*top_owners=*/3);
  EXPECT_EQ(s.total_bytes, 6110u);
  EXPECT_EQ(s.total_count, 5u);
  ASSERT_EQ(s.by_name.size(), 3u);
  EXPECT_EQ(s.by_name[0].name, "model.weights");
  EXPECT_EQ(s.by_name[1].name, "decoder.frames");
  EXPECT_EQ(s.by_name[1].bytes, 1100u);
  EXPECT_EQ(s.by_name[1].count, 3u);
  ASSERT_EQ(s.largest_owners.size(), 3u);
  EXPECT_EQ(s.largest_owners[0].owner, "ranker");
  EXPECT_EQ(s.largest_owners[1].owner, "decoder-2");
  EXPECT_EQ(s.largest_owners[1].bytes, 800u);
  EXPECT_EQ(s.largest_owners[2].owner, "decoder-1");
  // owners() lists every pair ever seen, empty ones too: decoder.frames x 2, model.weights x 1,
  // scratch x 2 (no owner, and "temp").
  EXPECT_EQ(tracker.owners().size(), 5u);
}

TEST(AllocationTrackerTest, ExportsPerNameGauges) {
  Registry registry;
  AllocationTracker tracker(&registry);
  TrackedAllocation a = tracker.track("frames", 4096, "decoder");
  TrackedAllocation b = tracker.track("frames", 1024);
  EXPECT_EQ(gauge_value(registry, "opusperf_memory_tracked_bytes", "frames"), 5120);
  EXPECT_EQ(gauge_value(registry, "opusperf_memory_tracked_allocations", "frames"), 2);
  a.reset();
  EXPECT_EQ(gauge_value(registry, "opusperf_memory_tracked_bytes", "frames"), 1024);
  EXPECT_EQ(gauge_value(registry, "opusperf_memory_tracked_allocations", "frames"), 1);
}

TEST(AllocationTrackerTest, RejectsEmptyName) {
  AllocationTracker tracker;
  EXPECT_THROW((void)tracker.track("", 1), std::invalid_argument);
}

TEST(AllocationTrackerTest, ConcurrentTrackingIsExact) {
  AllocationTracker tracker;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<TrackedAllocation> held;
      for (int i = 0; i < 2000; ++i) {
        held.push_back(tracker.track(i % 2 ? "a" : "b", 10, "owner" + std::to_string(t % 2)));
        if (held.size() > 10) held.erase(held.begin());
      }
      (void)tracker.snapshot();
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(tracker.snapshot().total_bytes, 0u);
  EXPECT_EQ(tracker.snapshot().total_count, 0u);
}

}  // namespace
}  // namespace opusperf
