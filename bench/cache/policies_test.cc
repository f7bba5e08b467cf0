// Behaviour of the reference policies: what each must do by its definition, and properties every
// policy shares (capacity bound, everything fits when the working set does, Bélády's optimality).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/cache/arc_policy.h"
#include "bench/cache/belady_policy.h"
#include "bench/cache/lru_policy.h"
#include "bench/cache/policy_factory.h"
#include "bench/cache/s3fifo_policy.h"
#include "bench/cache/simulator.h"
#include "bench/cache/wtinylfu_policy.h"

namespace opusperf::bench::cachesim {
namespace {

using ::testing::ElementsAre;

std::vector<bool> hits_of(SimPolicy& policy, const std::vector<std::uint64_t>& keys) {
  std::vector<bool> hits;
  for (std::uint64_t k : keys)
    hits.push_back(policy.access(k));
  return hits;
}

// Returns keys [first, first + n).
std::vector<std::uint64_t> range(std::uint64_t first, std::uint64_t n) {
  std::vector<std::uint64_t> keys;
  for (std::uint64_t k = first; k < first + n; ++k)
    keys.push_back(k);
  return keys;
}

std::vector<std::uint64_t> concat(std::initializer_list<std::vector<std::uint64_t>> parts) {
  std::vector<std::uint64_t> out;
  for (const auto& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Zipf-like keys: heavy reuse of a few keys plus a long tail, deterministic.
std::vector<std::uint64_t> skewed_trace(std::size_t n, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> weights;
  for (int k = 1; k <= 2000; ++k)
    weights.push_back(1.0 / k);
  std::discrete_distribution<int> dist(weights.begin(), weights.end());
  std::vector<std::uint64_t> keys;
  for (std::size_t i = 0; i < n; ++i)
    keys.push_back(static_cast<std::uint64_t>(dist(rng)));
  return keys;
}

TEST(LruPolicyTest, EvictsTheLeastRecentlyUsed) {
  LruPolicy lru(2);
  // 3 evicts 2 (1 was used since); 2 then evicts 3, the least recent; 3 then evicts 1.
  EXPECT_THAT(hits_of(lru, {1, 2, 1, 3, 1, 2, 3}),
              ElementsAre(false, false, true, false, true, false, false));
}

TEST(ArcPolicyTest, FrequentKeysSurviveAScanThatFlushesLru) {
  const auto hot = range(1, 4);
  const auto trace = concat({hot, hot, range(100, 50), hot});
  ArcPolicy arc(8);
  LruPolicy lru(8);
  const auto arc_hits = hits_of(arc, trace);
  const auto lru_hits = hits_of(lru, trace);
  for (std::size_t i = trace.size() - hot.size(); i < trace.size(); ++i) {
    EXPECT_TRUE(arc_hits[i]) << "hot key " << trace[i] << " was scanned out of ARC";
    EXPECT_FALSE(lru_hits[i]);
  }
}

TEST(ArcPolicyTest, GhostHitInB1GrowsTheRecencyTarget) {
  ArcPolicy arc(2);
  // 1 1 puts 1 in T2; 2 enters T1; 3 finds the cache full and demotes 2 (T1's LRU, since
  // |T1| > p = 0) to the ghost list B1; 2 again is a B1 ghost hit, so p grows.
  hits_of(arc, {1, 1, 2, 3});
  EXPECT_EQ(arc.target_recency_size(), 0.0);
  EXPECT_FALSE(arc.access(2));
  EXPECT_GT(arc.target_recency_size(), 0.0);
  EXPECT_LE(arc.target_recency_size(), 2.0);
}

TEST(S3FifoPolicyTest, OneHitWondersStayInTheSmallQueue) {
  S3FifoPolicy s3(20);  // S holds 2, M 18
  EXPECT_EQ(s3.small_capacity(), 2u);
  const auto hot = range(1, 10);
  // The hot keys, hit twice while in S, move to M when the scan fills the cache; the scan's keys
  // are never hit, so they pass through S and leave (to the ghost) without touching M.
  const auto trace = concat({hot, hot, hot, range(1000, 200), hot});
  const auto hits = hits_of(s3, trace);
  for (std::size_t i = trace.size() - hot.size(); i < trace.size(); ++i)
    EXPECT_TRUE(hits[i]) << "key " << trace[i] << " was evicted by one-hit wonders";
}

TEST(WTinyLfuPolicyTest, SizesFollowCaffeinesSplit) {
  WTinyLfuPolicy p(1000);
  EXPECT_EQ(p.window_capacity(), 10u);
  EXPECT_EQ(p.protected_capacity(), 792u);
  WTinyLfuPolicy tiny(1);
  EXPECT_EQ(tiny.window_capacity(), 1u);
  EXPECT_EQ(tiny.protected_capacity(), 0u);
  EXPECT_FALSE(tiny.access(1));
  EXPECT_TRUE(tiny.access(1));
  EXPECT_FALSE(tiny.access(2));
}

TEST(WTinyLfuPolicyTest, AdmissionKeepsFrequentKeysAgainstAScan) {
  WTinyLfuPolicy p(100);
  const auto hot = range(1, 50);
  std::vector<std::uint64_t> trace;
  for (int i = 0; i < 5; ++i)
    trace = concat({trace, hot});
  trace = concat({trace, range(1000, 500), hot});
  const auto hits = hits_of(p, trace);
  int survivors = 0;
  for (std::size_t i = trace.size() - hot.size(); i < trace.size(); ++i)
    survivors += hits[i] ? 1 : 0;
  EXPECT_GE(survivors, 49);  // at most the window's one entry may have left
}

TEST(BeladyPolicyTest, EvictsTheKeyNeededFarthestInTheFuture) {
  // Capacity 2. At the miss on 3 the residents are 1 (next at 5) and 2 (next at 4): 1 leaves.
  const std::vector<std::uint64_t> trace = {1, 2, 1, 3, 2, 3, 1};
  BeladyPolicy p(2, trace);
  EXPECT_THAT(hits_of(p, trace), ElementsAre(false, false, true, false, true, true, false));
}

TEST(BeladyPolicyTest, RejectsAccessesOffTheTrace) {
  const std::vector<std::uint64_t> trace = {1, 2};
  BeladyPolicy p(1, trace);
  EXPECT_THROW(p.access(2), std::logic_error);
  BeladyPolicy q(1, trace);
  q.access(1);
  q.access(2);
  EXPECT_THROW(q.access(1), std::logic_error);  // past the end
}

class EveryPolicyTest : public ::testing::TestWithParam<std::string_view> {};

TEST_P(EveryPolicyTest, NameMatchesTheFactoryName) {
  const std::vector<std::uint64_t> trace = {1};
  EXPECT_EQ(make_policy(GetParam(), 4, trace)->name(), GetParam());
}

TEST_P(EveryPolicyTest, AWorkingSetThatFitsAlwaysHitsAfterItsFirstPass) {
  const auto keys = range(0, 64);
  const auto trace = concat({keys, keys, keys});
  auto p = make_policy(GetParam(), 64, trace);
  EXPECT_EQ(replay(*p, trace), 128u);
}

TEST_P(EveryPolicyTest, NeverHoldsMoreThanItsCapacity) {
  // capacity + 1 distinct keys, then each again: at most `capacity` can still be resident.
  for (std::size_t capacity : {1u, 2u, 7u, 50u}) {
    const auto keys = range(0, capacity + 1);
    const auto trace = concat({keys, keys});
    auto p = make_policy(GetParam(), capacity, trace);
    EXPECT_LE(replay(*p, trace), capacity) << "capacity " << capacity;
  }
}

TEST_P(EveryPolicyTest, RepeatedKeyAlwaysHits) {
  const std::vector<std::uint64_t> trace(100, 7);
  auto p = make_policy(GetParam(), 1, trace);
  EXPECT_EQ(replay(*p, trace), 99u);
}

INSTANTIATE_TEST_SUITE_P(AllPolicies, EveryPolicyTest, ::testing::ValuesIn(policy_names()),
                         [](const auto& info) { return std::string(info.param); });

TEST(BeladyBoundTest, NoDemandPolicyBeatsBelady) {
  // Bélády is optimal among policies that admit every miss (lru, arc, s3fifo).
  for (std::uint32_t seed : {1u, 2u, 3u}) {
    const auto trace = skewed_trace(20000, seed);
    for (std::size_t capacity : {10u, 100u, 500u}) {
      BeladyPolicy belady(capacity, trace);
      const std::uint64_t best = replay(belady, trace);
      for (std::string_view name : {"lru", "arc", "s3fifo"}) {
        auto p = make_policy(name, capacity, trace);
        EXPECT_LE(replay(*p, trace), best) << name << " capacity " << capacity;
      }
    }
  }
}

TEST(SkewedTraceTest, FrequencyAwarePoliciesBeatLruOnZipf) {
  const auto trace = skewed_trace(50000, 7);
  const std::size_t capacity = 100;
  LruPolicy lru(capacity);
  const std::uint64_t lru_hits = replay(lru, trace);
  for (std::string_view name : {"arc", "s3fifo", "wtinylfu"}) {
    auto p = make_policy(name, capacity, trace);
    EXPECT_GT(replay(*p, trace), lru_hits) << name;
  }
}

}  // namespace
}  // namespace opusperf::bench::cachesim
