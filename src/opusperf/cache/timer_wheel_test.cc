#include "opusperf/cache/timer_wheel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>
#include <vector>

namespace opusperf::cache {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kStart = 1'000 * kSecond;

std::vector<PolicyNode> nodes_expiring(const std::vector<std::int64_t>& at) {
  std::vector<PolicyNode> nodes(at.size());
  for (std::size_t i = 0; i < at.size(); ++i)
    nodes[i].expires_ns = at[i];
  return nodes;
}

TEST(TimerWheel, ReportsEachNodeOnceAfterItsTime) {
  TimerWheel wheel(kStart);
  // From sub-second to days: every level of the wheel.
  const std::vector<std::int64_t> ttl = {kSecond / 2,         3 * kSecond,
                                         90 * kSecond,        2 * 3600 * kSecond,
                                         26 * 3600 * kSecond, 5 * 24 * 3600 * kSecond};
  std::vector<std::int64_t> at;
  for (std::int64_t t : ttl)
    at.push_back(kStart + t);
  auto nodes = nodes_expiring(at);
  for (auto& n : nodes)
    wheel.schedule(&n);
  EXPECT_EQ(wheel.size(), nodes.size());
  std::vector<PolicyNode*> expired;
  std::int64_t now = kStart;
  std::vector<std::int64_t> reported_at(nodes.size(), -1);
  while (now < kStart + 6 * 24 * 3600 * kSecond) {
    now += kSecond / 4;
    if (now > kStart + 100 * kSecond) now += 37 * kSecond;  // coarser steps later on
    expired.clear();
    wheel.advance(now, expired);
    for (PolicyNode* n : expired) {
      const auto i = static_cast<std::size_t>(n - nodes.data());
      EXPECT_EQ(reported_at[i], -1) << "reported twice";
      reported_at[i] = now;
      EXPECT_LE(n->expires_ns, now) << "reported before its time";
      EXPECT_FALSE(TimerWheel::scheduled(n));
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    ASSERT_NE(reported_at[i], -1) << "node " << i << " never reported";
    // Within a level-0 tick (~1.07 s) of its time, plus the test's own step.
    EXPECT_LE(reported_at[i] - nodes[i].expires_ns, 2 * kSecond + 37 * kSecond) << i;
  }
  EXPECT_EQ(wheel.size(), 0u);
}

TEST(TimerWheel, DescheduledNodesAreNotReported) {
  TimerWheel wheel(kStart);
  auto nodes = nodes_expiring({kStart + kSecond, kStart + 2 * kSecond});
  wheel.schedule(&nodes[0]);
  wheel.schedule(&nodes[1]);
  wheel.deschedule(&nodes[0]);
  wheel.deschedule(&nodes[0]);  // twice is harmless
  std::vector<PolicyNode*> expired;
  wheel.advance(kStart + 10 * kSecond, expired);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], &nodes[1]);
}

TEST(TimerWheel, ALongJumpExpiresEverythingDue) {
  TimerWheel wheel(kStart);
  std::mt19937_64 rng(3);
  std::vector<std::int64_t> at;
  for (int i = 0; i < 5000; ++i)
    at.push_back(kStart + static_cast<std::int64_t>(rng() % (3600ull * kSecond)));
  auto nodes = nodes_expiring(at);
  for (auto& n : nodes)
    wheel.schedule(&n);
  std::vector<PolicyNode*> expired;
  const std::int64_t half = kStart + 1800 * kSecond;
  wheel.advance(half, expired);
  const auto due = std::count_if(at.begin(), at.end(), [&](std::int64_t t) { return t <= half; });
  EXPECT_LE(static_cast<std::int64_t>(expired.size()), due);
  EXPECT_GE(static_cast<std::int64_t>(expired.size()), due - 100) << "at most ~1 s of lag";
  wheel.advance(kStart + 2 * 3600 * kSecond, expired);
  EXPECT_EQ(expired.size(), nodes.size());
  EXPECT_EQ(wheel.size(), 0u);
}

}  // namespace
}  // namespace opusperf::cache
