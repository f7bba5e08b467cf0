#include "opusperf/cache/epoch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "opusperf/cache/read_buffer.h"
#include "opusperf/cache/retire_list.h"
#include "opusperf/cache/write_buffer.h"

namespace opusperf::cache {
namespace {

TEST(EpochDomain, APinnedReaderHoldsBackReclamation) {
  std::atomic<bool> pinned{false};
  std::atomic<bool> release{false};
  std::thread reader([&] {
    EpochGuard guard;
    pinned.store(true);
    while (!release.load())
      std::this_thread::yield();
  });
  while (!pinned.load())
    std::this_thread::yield();
  EpochDomain& d = EpochDomain::global();
  int freed = 0;
  RetireList list;
  list.retire(&freed, [](void*, void* p) { ++*static_cast<int*>(p); });
  for (int i = 0; i < 10; ++i)
    list.reclaim(d.try_advance());
  EXPECT_EQ(freed, 0) << "freed while a reader that may hold it is pinned";
  release.store(true);
  reader.join();
  for (int i = 0; i < 3; ++i)
    list.reclaim(d.try_advance());
  EXPECT_EQ(freed, 1);
}

TEST(EpochDomain, GuardsNestAndThreadsGetDistinctIndexes) {
  {
    EpochGuard outer;
    EpochGuard inner;
  }
  EpochDomain& d = EpochDomain::global();
  const std::uint64_t e = d.try_advance();
  EXPECT_GE(d.try_advance(), e) << "no pinned thread: the epoch can advance";
  std::uint32_t mine = EpochDomain::thread_index();
  std::uint32_t other = mine;
  std::thread t([&] { other = EpochDomain::thread_index(); });
  t.join();
  EXPECT_NE(mine, other);
}

TEST(ReadBuffer, IsLossyWhenFullAndDrainsInOrder) {
  StripedReadBuffer<int> buffer;
  using Offer = StripedReadBuffer<int>::Offer;
  int values[StripedReadBuffer<int>::kRingSize + 24];
  int added = 0;
  int half = 0;
  for (int& v : values) {
    const Offer o = buffer.offer(3, &v);
    added += o == Offer::kAdded || o == Offer::kAddedHalfFull ? 1 : 0;
    if (o == Offer::kAddedHalfFull) {
      ++half;
      EXPECT_EQ(added, static_cast<int>(StripedReadBuffer<int>::kRingSize / 2));
    }
  }
  EXPECT_EQ(added, static_cast<int>(StripedReadBuffer<int>::kRingSize));
  EXPECT_EQ(half, 1);
  EXPECT_EQ(buffer.offer(3, &values[0]), StripedReadBuffer<int>::Offer::kFull);
  EXPECT_EQ(buffer.offer(StripedReadBuffer<int>::kRings, &values[0]),
            StripedReadBuffer<int>::Offer::kNoRing);
  std::vector<int*> seen;
  buffer.drain([&](int* p) { seen.push_back(p); });
  ASSERT_EQ(seen.size(), StripedReadBuffer<int>::kRingSize);
  EXPECT_EQ(seen.front(), &values[0]);
  EXPECT_EQ(seen.back(), &values[StripedReadBuffer<int>::kRingSize - 1]);
  EXPECT_EQ(buffer.offer(3, &values[0]), StripedReadBuffer<int>::Offer::kAdded);
}

TEST(ReadBuffer, ADrainRacingProducersSeesWholeRecords) {
  StripedReadBuffer<int> buffer;
  std::vector<int> values(64);
  std::atomic<bool> stop{false};
  std::vector<std::thread> producers;
  for (std::uint32_t t = 0; t < 2; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i)
        buffer.offer(t, &values[static_cast<std::size_t>(i) % values.size()]);
    });
  }
  long drained = 0;
  bool bad = false;
  while (drained < 5000) {  // until the producers have run a while
    buffer.drain([&](int* p) {
      ++drained;
      bad |= p < values.data() || p >= values.data() + values.size();
    });
  }
  stop.store(true);
  for (auto& p : producers)
    p.join();
  EXPECT_FALSE(bad);
}

TEST(WriteBuffer, NeverDropsAndRefusesWhenFull) {
  BoundedWriteBuffer<int> buffer(4);
  for (int i = 0; i < 4; ++i)
    EXPECT_TRUE(buffer.offer(i));
  EXPECT_FALSE(buffer.offer(99));
  std::vector<int> seen;
  EXPECT_TRUE(buffer.drain([&](int v) { seen.push_back(v); }));
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_TRUE(buffer.offer(5));
}

TEST(WriteBuffer, ManyProducersLoseNothing) {
  BoundedWriteBuffer<int> buffer(1024);
  constexpr int kThreads = 4;
  constexpr int kEach = 2000;
  std::atomic<long> sum{0};
  std::atomic<int> done{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 1; i <= kEach; ++i) {
        while (!buffer.offer(t * kEach + i))
          std::this_thread::yield();
      }
      done.fetch_add(1);
    });
  }
  long drained = 0;
  while (done.load() < kThreads || drained < static_cast<long>(kThreads) * kEach) {
    buffer.drain([&](int v) {
      sum.fetch_add(v);
      ++drained;
    });
  }
  for (auto& p : producers)
    p.join();
  const long n = static_cast<long>(kThreads) * kEach;
  EXPECT_EQ(drained, n);
  EXPECT_EQ(sum.load(), n * (n + 1) / 2);
}

}  // namespace
}  // namespace opusperf::cache
