#include "opusperf/balance/consistent_hash_policy.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "opusperf/balance/hash.h"
#include "policy_test_support.h"

namespace opusperf {
namespace {

using testing_support::Workers;

constexpr int kKeys = 20000;

std::vector<std::uint32_t> place_keys(ConsistentHashPolicy& p, const Workers& w) {
  std::vector<std::uint32_t> owner;
  for (int k = 0; k < kKeys; ++k)
    owner.push_back(p.choose(w.request(balance::hash_key("video-" + std::to_string(k)))));
  return owner;
}

TEST(ConsistentHashPolicyTest, AKeyAlwaysGoesToTheSameWorker) {
  Workers w(8);
  ConsistentHashPolicy p(160, 1.25, 1);
  const auto first = place_keys(p, w);
  EXPECT_EQ(place_keys(p, w), first);
  ConsistentHashPolicy other(160, 1.25, 99);  // another balancer, same workers: same placement
  EXPECT_EQ(place_keys(other, w), first);
}

TEST(ConsistentHashPolicyTest, KeysSpreadOverAllWorkers) {
  Workers w(8);
  ConsistentHashPolicy p(160, 1.25, 1);
  std::map<std::uint32_t, int> n;
  for (const auto o : place_keys(p, w))
    ++n[o];
  ASSERT_EQ(n.size(), 8u);
  for (const auto& [worker, count] : n) {
    EXPECT_GT(count, kKeys / 8 * 0.75) << worker;  // 160 points each: within about 10%
    EXPECT_LT(count, kKeys / 8 * 1.25) << worker;
  }
}

TEST(ConsistentHashPolicyTest, AddingANinthWorkerMovesAboutOneNinthOfTheKeysAllToIt) {
  Workers eight(8);
  Workers nine(9);
  ConsistentHashPolicy p(160, 1.25, 1);
  const auto before = place_keys(p, eight);
  const auto after = place_keys(p, nine);  // the ring is rebuilt for the new worker
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    if (before[k] == after[k]) continue;
    ++moved;
    EXPECT_EQ(after[k], 8u) << "key " << k << " moved between old workers";
  }
  const double share = static_cast<double>(moved) / kKeys;
  EXPECT_LE(share, 1.0 / 8 + 0.05);  // the acceptance bound
  EXPECT_GE(share, 1.0 / 9 * 0.75);  // and it does take its share
}

TEST(ConsistentHashPolicyTest, AWorkerThatLeavesHandsOnOnlyItsOwnKeys) {
  Workers w(8);
  ConsistentHashPolicy p(160, 1.25, 1);
  const auto before = place_keys(p, w);
  w.candidates = {0, 1, 2, 4, 5, 6, 7};  // worker 3 ejected
  const auto after = place_keys(p, w);
  for (int k = 0; k < kKeys; ++k) {
    if (before[k] != 3) {
      EXPECT_EQ(after[k], before[k]) << "key " << k;
    }
    EXPECT_NE(after[k], 3u);
  }
}

TEST(ConsistentHashPolicyTest, BoundedLoadSkipsAFullWorker) {
  Workers w(4);
  ConsistentHashPolicy p(160, 1.25, 1);
  const std::uint64_t key = balance::hash_key("hot-video");
  const std::uint32_t home = p.choose(w.request(key));
  // capacity = ceil(1.25 x (load + 1) / 4): with 10 in flight at home, ceil(3.4375) = 4 < 10.
  w.load(home, 10);
  const std::uint32_t next = p.choose(w.request(key));
  EXPECT_NE(next, home);
  EXPECT_EQ(p.choose(w.request(key)), next);  // the overflow is sticky too
}

TEST(ConsistentHashPolicyTest, RequestsWithoutAKeyGoToTheLeastLoaded) {
  Workers w(2);
  w.load(0, 5);
  ConsistentHashPolicy p(160, 1.25, 1);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(p.choose(w.request()), 1u);
}

}  // namespace
}  // namespace opusperf
