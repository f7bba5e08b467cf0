#include "opusperf/balance/rng.h"

#include <gtest/gtest.h>

#include <vector>

#include "opusperf/balance/hash.h"

namespace opusperf::balance {
namespace {

TEST(RngTest, SameSeedSameSequenceDifferentSeedDifferent) {
  Rng a(42), b(42), c(43);
  int differ = 0;
  for (int i = 0; i < 100; ++i) {
    const std::uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differ += x != c.next();
  }
  EXPECT_EQ(differ, 100);
}

TEST(RngTest, MatchesSplitMix64ReferenceOutput) {
  // First outputs of SplitMix64 seeded with 0 (Vigna's reference implementation).
  Rng r(0);
  EXPECT_EQ(r.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(r.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(r.next(), 0x06c45d188009454fULL);
}

TEST(RngTest, BelowStaysInRangeAndCoversIt) {
  Rng r(7);
  std::vector<int> seen(10, 0);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t v = r.below(10);
    ASSERT_LT(v, 10u);
    ++seen[v];
  }
  for (const int n : seen) {
    EXPECT_GT(n, 850);  // 1000 expected; 5 standard deviations is about 150
    EXPECT_LT(n, 1150);
  }
}

TEST(RngTest, UniformAndExponentialHaveTheRightMeans) {
  Rng r(9);
  double u = 0.0, e = 0.0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double x = r.uniform();
    ASSERT_GE(x, 0.0);
    ASSERT_LT(x, 1.0);
    u += x;
    const double y = r.exponential(2.5);
    ASSERT_GE(y, 0.0);
    e += y;
  }
  EXPECT_NEAR(u / n, 0.5, 0.005);
  EXPECT_NEAR(e / n, 2.5, 0.03);  // standard error 2.5 / sqrt(n) = 0.0056
}

TEST(HashTest, KeyHashIsStableAcrossBuilds) {
  // Pinned: a change here moves every key of every consistent-hash deployment.
  EXPECT_EQ(hash_key(""), mix64(0xcbf29ce484222325ULL));
  EXPECT_EQ(hash_key("video-1"), hash_key("video-1"));
  EXPECT_NE(hash_key("video-1"), hash_key("video-2"));
  static_assert(hash_key("a") == mix64(0xaf63dc4c8601ec8cULL));  // FNV-1a("a")
}

}  // namespace
}  // namespace opusperf::balance
