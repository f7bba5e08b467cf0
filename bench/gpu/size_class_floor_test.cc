#include "bench/gpu/size_class_floor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

namespace opusperf::bench {
namespace {

std::uintptr_t address(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

TEST(SizeClassFloorTest, ReusesTheAddressFreedLastInTheSameClass) {
  SizeClassFloor floor;
  void* a = floor.allocate(1000);  // 1024 bytes' class
  void* b = floor.allocate(1024);
  EXPECT_NE(a, b);
  floor.deallocate(a);
  floor.deallocate(b);
  EXPECT_EQ(floor.allocate(600), b);  // rounded to the same class; the last freed first
  EXPECT_EQ(floor.allocate(513), a);
  EXPECT_EQ(floor.live(), 2u);
}

TEST(SizeClassFloorTest, OtherClassesDoNotTakeAFreedAddress) {
  SizeClassFloor floor;
  void* small = floor.allocate(512);
  floor.deallocate(small);
  void* larger = floor.allocate(513);  // 1024 bytes: a class of its own, no best fit
  EXPECT_NE(larger, small);
  void* zero = floor.allocate(0);  // counts as one unit, so it takes the 512-byte address
  EXPECT_EQ(zero, small);
}

TEST(SizeClassFloorTest, RefusesAddressesItDidNotHandOut) {
  SizeClassFloor floor;
  void* p = floor.allocate(4096);
  EXPECT_THROW(floor.deallocate(nullptr), std::invalid_argument);
  EXPECT_THROW(floor.deallocate(static_cast<char*>(p) + 512), std::invalid_argument);
  floor.deallocate(p);
  EXPECT_THROW(floor.deallocate(p), std::invalid_argument);  // freed twice
  EXPECT_EQ(floor.live(), 0u);
  EXPECT_EQ(floor.allocate(4096), p);  // the refused calls changed nothing
}

// Live ranges [p, p + rounded size) never overlap, through a random alloc/free sequence.
TEST(SizeClassFloorTest, LiveRangesNeverOverlap) {
  SizeClassFloor floor;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::size_t> size(1, 64 * 1024);
  std::map<std::uintptr_t, std::uintptr_t> live;  // start -> end
  std::vector<void*> order;
  for (int op = 0; op < 20'000; ++op) {
    if (order.empty() || rng() % 100 < 55) {
      const std::size_t n = size(rng);
      void* p = floor.allocate(n);
      const std::uintptr_t start = address(p);
      const std::uintptr_t end = start + (n + 511) / 512 * 512;
      ASSERT_EQ(start % 512, 0u);
      const auto next = live.lower_bound(start);
      if (next != live.end()) {
        ASSERT_LE(end, next->first) << "op " << op;
      }
      if (next != live.begin()) {
        ASSERT_LE(std::prev(next)->second, start) << "op " << op;
      }
      live.emplace(start, end);
      order.push_back(p);
    } else {
      const std::size_t i = rng() % order.size();
      floor.deallocate(order[i]);
      live.erase(address(order[i]));
      order[i] = order.back();
      order.pop_back();
    }
    ASSERT_EQ(floor.live(), live.size());
  }
}

TEST(SizeClassFloorTest, TwoThreadsShareIt) {
  SizeClassFloor floor;
  const auto work = [&floor](std::size_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<void*> mine;
    for (int op = 0; op < 20'000; ++op) {
      if (mine.empty() || rng() % 2 == 0) {
        mine.push_back(floor.allocate(rng() % 8192 + 1));
      } else {
        floor.deallocate(mine.back());
        mine.pop_back();
      }
    }
    for (void* p : mine)
      floor.deallocate(p);
  };
  std::thread a(work, 1);
  std::thread b(work, 2);
  a.join();
  b.join();
  EXPECT_EQ(floor.live(), 0u);
}

}  // namespace
}  // namespace opusperf::bench
