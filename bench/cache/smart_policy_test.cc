// The `smart` adapter drives the real SmartCache; these tests hold only when it is built.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench/cache/policy_factory.h"
#include "bench/cache/simulator.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {
namespace {

#ifdef OPUSPERF_HAVE_SMART_CACHE

std::vector<std::uint64_t> random_trace(std::size_t n, std::uint64_t keys, std::uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::uint64_t> dist(0, keys - 1);
  std::vector<std::uint64_t> trace;
  for (std::size_t i = 0; i < n; ++i)
    trace.push_back(dist(rng) * dist(rng) / keys);  // skewed towards small keys
  return trace;
}

TEST(SmartPolicyTest, ReplayIsDeterministic) {
  // Two replays of one trace must count the same hits: the adapter drains SmartCache's pending
  // maintenance itself, so no background timing can change a decision.
  const auto trace = random_trace(20000, 1000, 11);
  for (std::size_t capacity : {10u, 100u, 400u}) {
    auto a = make_policy("smart", capacity, trace);
    auto b = make_policy("smart", capacity, trace);
    const std::uint64_t hits = replay(*a, trace);
    EXPECT_EQ(hits, replay(*b, trace)) << "capacity " << capacity;
    EXPECT_GT(hits, 0u);
  }
}

#else

TEST(SmartPolicyTest, AbsentWithoutSmartCacheAndSaysWhy) {
  for (std::string_view name : policy_names())
    EXPECT_NE(name, "smart");
  const std::vector<std::uint64_t> trace = {1};
  try {
    make_policy("smart", 10, trace);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("needs SmartCache"), std::string::npos) << e.what();
  }
}

#endif

}  // namespace
}  // namespace opusperf::bench::cachesim
