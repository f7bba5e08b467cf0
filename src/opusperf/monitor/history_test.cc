#include "opusperf/monitor/history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace opusperf {
namespace {

using ::testing::ElementsAre;

TEST(HistoryTest, KeepsTheNewestInOrder) {
  History<int> h(3);
  EXPECT_TRUE(h.snapshot().empty());
  h.push(1);
  h.push(2);
  EXPECT_THAT(h.snapshot(), ElementsAre(1, 2));
  h.push(3);
  h.push(4);
  h.push(5);
  EXPECT_THAT(h.snapshot(), ElementsAre(3, 4, 5));
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h.total_pushed(), 5u);
}

TEST(HistoryTest, ZeroCapacityIsRejected) {
  EXPECT_THROW(History<int>(0), std::invalid_argument);
}

TEST(HistoryTest, ConcurrentPushesAreAllCounted) {
  History<int> h(100);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i)
        h.push(i);
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(h.total_pushed(), 4000u);
  EXPECT_EQ(h.size(), 100u);
}

}  // namespace
}  // namespace opusperf
