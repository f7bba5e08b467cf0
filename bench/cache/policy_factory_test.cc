#include "bench/cache/policy_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bench/cache/simulator.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

std::string error_of(std::string_view name, std::size_t capacity = 10) {
  const std::vector<std::uint64_t> trace = {1};
  try {
    make_policy(name, capacity, trace);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(PolicyFactoryTest, ListsTheReferencePolicies) {
  for (std::string_view name : {"lru", "arc", "s3fifo", "wtinylfu", "belady"})
    EXPECT_THAT(policy_names(), Contains(name));
#ifdef OPUSPERF_HAVE_SMART_CACHE
  EXPECT_THAT(policy_names(), Contains("smart"));
#else
  EXPECT_THAT(policy_names(), ::testing::Not(Contains("smart")));
#endif
}

TEST(PolicyFactoryTest, UnknownNameSuggestsTheClosestAndListsAll) {
  const std::string message = error_of("s3fiffo");
  EXPECT_THAT(message, HasSubstr("unknown cache policy 's3fiffo'"));
  EXPECT_THAT(message, HasSubstr("did you mean 's3fifo'?"));
  EXPECT_THAT(message, HasSubstr("lru, arc"));
  EXPECT_THAT(error_of("zzzzzzzz"), ::testing::Not(HasSubstr("did you mean")));
}

TEST(PolicyFactoryTest, CapacityOutOfRangeIsBadInput) {
  EXPECT_THAT(error_of("lru", 0), HasSubstr("capacity 0 is out of range 1..1073741824"));
  // What a negative --capacity becomes once parsed as unsigned.
  EXPECT_THAT(error_of("wtinylfu", static_cast<std::size_t>(-5)), HasSubstr("out of range"));
  EXPECT_NO_THROW(check_capacity(kMaxCapacity));
}

TEST(SimulatorTest, ResultsComeByCapacityThenPolicy) {
  const std::vector<std::uint64_t> trace = {1, 2, 3, 1, 2, 3};
  const std::vector<std::string> policies = {"lru", "belady"};
  const std::vector<std::size_t> capacities = {2, 3};
  const auto results = simulate(trace, policies, capacities);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].policy, "lru");
  EXPECT_EQ(results[0].capacity, 2u);
  EXPECT_EQ(results[0].hits, 0u);  // a loop one longer than the cache defeats LRU
  EXPECT_EQ(results[1].policy, "belady");
  // MIN: 3 evicts 2 (needed later than 1), so 1 hits; 2 evicts 1 (never needed again), so 3 hits.
  EXPECT_EQ(results[1].hits, 2u);
  EXPECT_EQ(results[3].capacity, 3u);
  EXPECT_EQ(results[3].hits, 3u);  // everything fits: 6 requests, 3 distinct keys
  EXPECT_EQ(results[3].requests, 6u);
  EXPECT_DOUBLE_EQ(results[3].hit_ratio(), 0.5);
}

TEST(SimulatorTest, ChecksEveryNameAndCapacityFirst) {
  const std::vector<std::uint64_t> trace = {1};
  const std::vector<std::string> bad = {"lru", "nope"};
  const std::vector<std::size_t> capacities = {1};
  EXPECT_THROW(simulate(trace, bad, capacities), InputError);
  const std::vector<std::string> good = {"lru"};
  const std::vector<std::size_t> zero = {4, 0};
  EXPECT_THROW(simulate(trace, good, zero), InputError);
  EXPECT_THROW(simulate(trace, good, std::vector<std::size_t>{}), InputError);
}

TEST(SimulatorTest, EmptyTraceHasZeroHitRatio) {
  const std::vector<std::string> policies = {"belady"};
  const std::vector<std::size_t> capacities = {4};
  const auto results = simulate(std::vector<std::uint64_t>{}, policies, capacities);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].hit_ratio(), 0.0);
}

}  // namespace
}  // namespace opusperf::bench::cachesim
