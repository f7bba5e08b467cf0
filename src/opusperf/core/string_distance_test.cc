#include "opusperf/core/string_distance.h"

#include <gtest/gtest.h>

#include <array>
#include <string_view>

namespace opusperf {
namespace {

TEST(EditDistanceTest, IdenticalAndEmpty) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", "abc"), 0u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abcd", ""), 4u);
}

TEST(EditDistanceTest, SingleEditsCostOne) {
  EXPECT_EQ(edit_distance("cache_size_limit", "cache_size_limt"), 1u);  // deletion
  EXPECT_EQ(edit_distance("max_worker", "max_workers"), 1u);            // insertion
  EXPECT_EQ(edit_distance("round_robin", "round-robin"), 1u);           // substitution
  EXPECT_EQ(edit_distance("prodcution", "production"), 1u);             // transposition
}

TEST(EditDistanceTest, ClassicExamples) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  // Optimal string alignment: a swapped pair cannot be edited again, so "ca" -> "abc" costs 3
  // (unrestricted Damerau-Levenshtein would say 2).
  EXPECT_EQ(edit_distance("ca", "abc"), 3u);
}

TEST(EditDistanceTest, IgnoresAsciiCase) {
  EXPECT_EQ(edit_distance("Production", "production"), 0u);
  EXPECT_EQ(edit_distance("MAX_WORKERS", "max_workers"), 0u);
  EXPECT_EQ(edit_distance("Prodcution", "PRODUCTION"), 1u);
}

TEST(EditDistanceTest, IsSymmetric) {
  constexpr std::array<std::string_view, 5> kWords = {"", "a", "peak_ewma", "random", "adaptive"};
  for (auto a : kWords) {
    for (auto b : kWords)
      EXPECT_EQ(edit_distance(a, b), edit_distance(b, a)) << a << " / " << b;
  }
}

constexpr std::array<std::string_view, 4> kKeys = {"max_workers", "cache_size_limit",
                                                   "cache_max_bytes", "cache_ttl"};

TEST(ClosestMatchTest, FindsTypos) {
  EXPECT_EQ(closest_match("cache_size_limt", kKeys), "cache_size_limit");
  EXPECT_EQ(closest_match("max_wokrers", kKeys), "max_workers");
  EXPECT_EQ(closest_match("cache-ttl", kKeys), "cache_ttl");
  EXPECT_EQ(closest_match("CACHE_TTL", kKeys), "cache_ttl");  // case only: distance 0
}

TEST(ClosestMatchTest, RejectsUnrelatedWords) {
  EXPECT_EQ(closest_match("totally_unrelated", kKeys), std::nullopt);
  EXPECT_EQ(closest_match("gpu", kKeys), std::nullopt);
  EXPECT_EQ(closest_match("", kKeys), std::nullopt);
  EXPECT_EQ(closest_match("max_workers", std::span<const std::string_view>()), std::nullopt);
}

TEST(ClosestMatchTest, ShortWordsNeedFewerEditsThanTheirLength) {
  constexpr std::array<std::string_view, 2> kShort = {"xy", "a"};
  EXPECT_EQ(closest_match("ab", kShort), "a");  // 1 edit, word of 2: plausible
  constexpr std::array<std::string_view, 1> kOther = {"xy"};
  EXPECT_EQ(closest_match("ab", kOther), std::nullopt);  // 2 edits = every letter: not a typo
}

TEST(ClosestMatchTest, LimitGrowsWithLength) {
  // |word| = 12, so up to max(2, 12 / 3) = 4 edits qualify, 5 do not.
  constexpr std::array<std::string_view, 1> kFour = {"abcdefghWXYZ"};
  EXPECT_EQ(closest_match("abcdefghijkl", kFour), "abcdefghWXYZ");
  constexpr std::array<std::string_view, 1> kFive = {"abcdefgVWXYZ"};
  EXPECT_EQ(closest_match("abcdefghijkl", kFive), std::nullopt);
  // Short words still get 2.
  constexpr std::array<std::string_view, 1> kTwo = {"randxm_"};
  EXPECT_EQ(closest_match("random", kTwo), "randxm_");
}

TEST(ClosestMatchTest, SmallestDistanceThenEarliestWins) {
  constexpr std::array<std::string_view, 3> kCands = {"abcdeX", "abcdef", "abcdeY"};
  EXPECT_EQ(closest_match("abcdef", kCands), "abcdef");
  constexpr std::array<std::string_view, 2> kTie = {"abcdeX", "abcdeY"};
  EXPECT_EQ(closest_match("abcdef", kTie), "abcdeX");
}

}  // namespace
}  // namespace opusperf
