#include "opusperf/cache/memoize.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "opusperf/cache/content_hash.h"
#include "opusperf/core/clock.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;

TEST(CacheResult, RunsOncePerDistinctArguments) {
  ResultCache cache(result_cache_options(100));
  int calls = 0;
  auto add = cache_result(
      cache,
      [&](int a, int b) {
        ++calls;
        return a + b;
      },
      1h);
  EXPECT_EQ(add(1, 2), 3);
  EXPECT_EQ(add(1, 2), 3);
  EXPECT_EQ(add(2, 1), 3);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.stats().hits, 1u);
}

// A hasher that maps every call to the same hash: only full equality can tell calls apart.
struct CollidingHasher {
  template <class... A>
  std::uint64_t operator()(const A&...) const {
    return 42;
  }
};

TEST(CacheResult, NeverReturnsAValueForDifferentArguments) {
  ResultCache cache(result_cache_options(1000));
  auto square = cache_result(
      cache, [](int x) { return x * x; }, 0s, CollidingHasher{});
  for (int round = 0; round < 3; ++round) {
    for (int x = 0; x < 200; ++x)
      ASSERT_EQ(square(x), x * x) << "x=" << x;
  }
}

TEST(CacheResult, DifferentFunctionsDoNotShareEntries) {
  ResultCache cache(result_cache_options(100));
  auto twice = cache_result(
      cache, [](int x) { return 2 * x; }, 0s, CollidingHasher{});
  auto thrice = cache_result(
      cache, [](int x) { return 3 * x; }, 0s, CollidingHasher{});
  EXPECT_EQ(twice(5), 10);
  EXPECT_EQ(thrice(5), 15);
  auto name = cache_result(
      cache, [](int x) { return std::to_string(x); }, 0s, CollidingHasher{});
  EXPECT_EQ(name(5), "5") << "same arguments, other result type";
}

TEST(CacheResult, LargeBuffersAreHashedByContentAndComparedInFull) {
  ResultCache cache(result_cache_options(100, 10 << 20));
  int calls = 0;
  auto checksum = cache_result(
      cache,
      [&](const std::vector<std::uint8_t>& bytes) {
        ++calls;
        std::uint64_t sum = 0;
        for (auto b : bytes)
          sum += b;
        return sum;
      },
      0s);
  std::vector<std::uint8_t> frame(1 << 20, 7);
  EXPECT_EQ(checksum(frame), 7u << 20);
  EXPECT_EQ(checksum(std::vector<std::uint8_t>(frame)), 7u << 20);
  EXPECT_EQ(calls, 1) << "an equal copy is the same call";
  frame[12345] = 8;
  EXPECT_EQ(checksum(frame), (7u << 20) + 1);
  EXPECT_EQ(calls, 2);
  EXPECT_GE(cache.stats().bytes, 2u << 20) << "keys are charged with their buffers";
}

TEST(CacheResult, ResultsExpireAfterTheTtl) {
  ManualClock clock;
  auto o = result_cache_options(100);
  o.clock = &clock;
  ResultCache cache(o);
  int calls = 0;
  auto f = cache_result(
      cache,
      [&](int x) {
        ++calls;
        return x;
      },
      10s);
  f(1);
  clock.advance(5s);
  f(1);
  clock.advance(6s);
  f(1);
  EXPECT_EQ(calls, 2);
}

TEST(CacheResult, ExceptionsAreNotCached) {
  ResultCache cache(result_cache_options(100));
  int calls = 0;
  auto f = cache_result(
      cache,
      [&](int x) {
        if (++calls == 1) throw std::runtime_error("flaky");
        return x;
      },
      0s);
  EXPECT_THROW(f(1), std::runtime_error);
  EXPECT_EQ(f(1), 1);
  EXPECT_EQ(calls, 2);
}

TEST(CacheResult, ConcurrentEqualCallsRunOnce) {
  ResultCache cache(result_cache_options(100));
  std::atomic<int> calls{0};
  auto slow = cache_result(
      cache,
      [&](const std::string& s) {
        calls.fetch_add(1);
        std::this_thread::sleep_for(30ms);
        return s.size();
      },
      0s);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] { EXPECT_EQ(slow(std::string("clip")), 4u); });
  for (auto& t : threads)
    t.join();
  EXPECT_LE(calls.load(), 2) << "callers arriving during the load share it";
}

TEST(ContentHash, DependsOnEveryByteAndTheLength) {
  std::vector<std::uint8_t> a(1000, 0);
  const std::uint64_t h0 = content_hash(a.data(), a.size());
  for (std::size_t i : {0u, 1u, 15u, 16u, 47u, 48u, 500u, 999u}) {
    auto b = a;
    b[i] = 1;
    EXPECT_NE(content_hash(b.data(), b.size()), h0) << "byte " << i;
  }
  EXPECT_NE(content_hash(a.data(), 999), h0);
  EXPECT_EQ(content_hash(a.data(), a.size()), h0) << "deterministic";
  for (std::size_t n = 0; n <= 64; ++n) {
    std::vector<std::uint8_t> x(n, 0xab);
    std::vector<std::uint8_t> y(n + 1, 0xab);
    EXPECT_NE(content_hash(x.data(), n), content_hash(y.data(), n + 1)) << n;
  }
  EXPECT_EQ(content_hash(std::string_view("abc")), content_hash("abc", 3));
  EXPECT_NE(content_hash("abc", 3, 1), content_hash("abc", 3, 2)) << "seeded";
}

}  // namespace
}  // namespace opusperf
