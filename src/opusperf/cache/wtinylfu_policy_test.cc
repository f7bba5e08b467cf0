#include "opusperf/cache/wtinylfu_policy.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "opusperf/cache/hash_mix.h"

namespace opusperf::cache {
namespace {

// Replays keys through a policy the way SmartCache does (hit: on_access; miss: on_add, maintain).
class Replay {
 public:
  Replay(std::uint64_t capacity, const char* controller, double window = 0.01,
         std::uint64_t max_bytes = 0)
      : policy_({capacity, max_bytes}, make_window_controller(controller, window), window, 1) {}

  bool access(std::uint64_t key, std::uint64_t weight = 1) {
    if (auto it = nodes_.find(key); it != nodes_.end()) {
      policy_.on_access(&it->second);
      return true;
    }
    PolicyNode& n = nodes_[key];
    n.hash = mix_hash(key);
    n.weight = weight;
    keys_[&n] = key;
    policy_.on_add(&n);
    std::vector<PolicyNode*> evicted;
    policy_.maintain(evicted);
    for (PolicyNode* e : evicted) {
      const std::uint64_t k = keys_.at(e);
      keys_.erase(e);
      nodes_.erase(k);
    }
    return false;
  }
  WTinyLfuPolicy& policy() { return policy_; }
  std::size_t size() const { return nodes_.size(); }

 private:
  WTinyLfuPolicy policy_;
  std::unordered_map<std::uint64_t, PolicyNode> nodes_;
  std::unordered_map<PolicyNode*, std::uint64_t> keys_;
};

TEST(WTinyLfuPolicy, HoldsAtMostItsCapacity) {
  Replay r(100, "static");
  for (std::uint64_t k = 0; k < 10'000; ++k) {
    r.access(k % 777);
    ASSERT_LE(r.policy().entries(), 100u);
  }
  EXPECT_EQ(r.policy().entries(), 100u);
  EXPECT_EQ(r.size(), 100u);
}

TEST(WTinyLfuPolicy, RespectsTheByteLimit) {
  Replay r(1000, "static", 0.01, /*max_bytes=*/5000);
  for (std::uint64_t k = 0; k < 5000; ++k) {
    r.access(k, 1 + k % 200);
    ASSERT_LE(r.policy().bytes(), 5000u);
  }
}

TEST(WTinyLfuPolicy, ALoopLargerThanTheCacheStillHits) {
  // Every key equally frequent; LRU would never hit. Admission keeps a stable subset.
  Replay r(100, "static");
  int hits = 0;
  for (int pass = 0; pass < 50; ++pass) {
    for (std::uint64_t k = 0; k < 1000; ++k)
      hits += r.access(k) ? 1 : 0;
  }
  EXPECT_GE(hits, 50 * 1000 * 6 / 100) << "about capacity / loop length of the requests";
}

TEST(WTinyLfuPolicy, AdaptiveWindowGrowsForRecencyAndStaysSmallForLoops) {
  // Recency: each key is requested again 60 distinct keys later, then never; only a window larger
  // than that distance can hit (as in the corda trace).
  Replay recency(256, "adaptive");
  std::uint64_t next = 0;
  std::vector<std::uint64_t> recent;
  for (int i = 0; i < 40'000; ++i) {
    recency.access(next);
    recent.push_back(next++);
    if (recent.size() > 60) {
      recency.access(recent.front());
      recent.erase(recent.begin());
    }
  }
  EXPECT_GE(recency.policy().window_fraction(), 0.25);
  Replay loop(256, "adaptive");
  for (int i = 0; i < 40'000; ++i)
    loop.access(static_cast<std::uint64_t>(i % 2000));
  EXPECT_LE(loop.policy().window_fraction(), 0.10);
}

TEST(WTinyLfuPolicy, ShrinkingTheLimitsEvictsAtOnce) {
  Replay r(500, "adaptive");
  for (std::uint64_t k = 0; k < 500; ++k)
    r.access(k);
  r.policy().set_limits({50, 0});
  std::vector<PolicyNode*> evicted;
  r.policy().maintain(evicted);
  EXPECT_EQ(evicted.size(), 450u);
  EXPECT_EQ(r.policy().entries(), 50u);
}

TEST(WindowController, UnknownNameIsRejected) {
  EXPECT_THROW(make_window_controller("lru", 0.01), std::invalid_argument);
  EXPECT_NE(make_window_controller("hill_climbing", 0.01), nullptr);
}

}  // namespace
}  // namespace opusperf::cache
