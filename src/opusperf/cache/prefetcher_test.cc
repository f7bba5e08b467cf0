#include "opusperf/cache/prefetcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "opusperf/cache/stride_detector.h"

namespace opusperf {
namespace {

// Keys are (stream, index) packed in 64 bits: the stream in the high half.
using Cache = SmartCache<std::uint64_t, std::uint64_t>;
using Pf = Prefetcher<std::uint64_t, std::uint64_t>;

std::uint64_t key_of(std::uint64_t stream, std::int64_t index) {
  return (stream << 32) | static_cast<std::uint32_t>(index);
}

struct Loads {
  std::mutex mu;
  std::multiset<std::uint64_t> keys;
  void add(std::uint64_t k) {
    std::lock_guard lock(mu);
    keys.insert(k);
  }
};

std::optional<Pf::Position> locate(const std::uint64_t& k) {
  return Pf::Position{k >> 32, static_cast<std::int64_t>(k & 0xffffffff)};
}

Pf make(Cache& cache, Loads& loads, Pf::Options options = {}) {
  return Pf(
      cache, locate,
      [](const std::uint64_t& seen, std::int64_t i) { return key_of(seen >> 32, i); },
      [&loads](const std::uint64_t& k) {
        loads.add(k);
        return k * 10;
      },
      options);
}

TEST(StrideDetector, ConfirmsSequentialAndStridedStreams) {
  cache::StrideDetector d({.depth = 2, .confirmations = 2, .max_streams = 8});
  EXPECT_TRUE(d.observe(1, 10).empty());
  EXPECT_TRUE(d.observe(1, 11).empty()) << "one step is not a pattern yet";
  EXPECT_EQ(d.observe(1, 12), (std::vector<std::int64_t>{13, 14}));
  EXPECT_EQ(d.observe(1, 12), std::vector<std::int64_t>{}) << "a repeat predicts nothing";
  EXPECT_EQ(d.observe(1, 13), (std::vector<std::int64_t>{14, 15}));
  // Stride 4, backwards in another stream.
  d.observe(2, 100);
  d.observe(2, 96);
  EXPECT_EQ(d.observe(2, 92), (std::vector<std::int64_t>{88, 84}));
  // A stride change resets the confidence.
  EXPECT_TRUE(d.observe(1, 20).empty());
}

TEST(StrideDetector, RandomAccessPredictsNothing) {
  cache::StrideDetector d({});
  std::mt19937 rng(7);
  int predicted = 0;
  for (int i = 0; i < 10'000; ++i)
    predicted +=
        static_cast<int>(d.observe(1, static_cast<std::int64_t>(rng() % 1'000'000)).size());
  EXPECT_LE(predicted, 4) << "a repeated stride by chance may predict a couple";
}

TEST(StrideDetector, ForgetsLeastRecentStreams) {
  cache::StrideDetector d({.depth = 1, .confirmations = 1, .max_streams = 2});
  d.observe(1, 0);
  d.observe(2, 0);
  d.observe(3, 0);  // forgets stream 1
  EXPECT_EQ(d.streams(), 2u);
  EXPECT_TRUE(d.observe(1, 1).empty()) << "stream 1 starts again";
  EXPECT_THROW(cache::StrideDetector({.depth = 0}), std::invalid_argument);
}

TEST(Prefetcher, SequentialStreamLoadsTheNextKeys) {
  Cache cache;
  Loads loads;
  auto pf = make(cache, loads, {.stride = {.depth = 2, .confirmations = 2}});
  for (std::int64_t i = 0; i < 3; ++i)
    cache.get_or_load(key_of(7, i), [](const std::uint64_t& k) { return k * 10; });
  pf.wait_idle();
  {
    std::lock_guard lock(loads.mu);
    EXPECT_EQ(loads.keys, (std::multiset<std::uint64_t>{key_of(7, 3), key_of(7, 4)}));
  }
  ASSERT_TRUE(cache.contains(key_of(7, 3)));
  // The next demand read hits the prefetched entry.
  EXPECT_EQ(*cache.get(key_of(7, 3)), key_of(7, 3) * 10);
  pf.wait_idle();
  const CacheStats s = cache.stats();
  EXPECT_GE(s.prefetch_issued, 2u);
  EXPECT_EQ(s.prefetch_used, 1u);
  EXPECT_EQ(pf.stats().failed, 0u);
}

TEST(Prefetcher, RandomStreamIssuesNothing) {
  Cache cache;
  Loads loads;
  auto pf = make(cache, loads);
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    const auto index = static_cast<std::int64_t>(rng() % 100'000);
    cache.get_or_load(key_of(3, index), [](const std::uint64_t& k) { return k; });
  }
  pf.wait_idle();
  EXPECT_LE(cache.stats().prefetch_issued, 4u) << "random access must not trigger prefetch";
  EXPECT_LE(pf.stats().queued, 4u);
}

TEST(Prefetcher, WastedPrefetchesAreCounted) {
  Cache::Options o;
  o.max_entries = 4;
  Cache cache(o);
  Loads loads;
  auto pf = make(cache, loads, {.stride = {.depth = 1, .confirmations = 1}});
  cache.get(key_of(1, 0));
  cache.get(key_of(1, 1));  // predicts (1, 2)
  pf.wait_idle();
  ASSERT_EQ(cache.stats().prefetch_issued, 1u);
  cache.invalidate(key_of(1, 2));
  cache.cleanup();
  EXPECT_EQ(cache.stats().prefetch_wasted, 1u);
}

TEST(Prefetcher, QueueIsBounded) {
  Cache cache;
  std::atomic<bool> release{false};
  std::atomic<int> loads{0};
  Pf pf(
      cache, locate,
      [](const std::uint64_t& seen, std::int64_t i) { return key_of(seen >> 32, i); },
      [&](const std::uint64_t& k) {
        loads.fetch_add(1);
        while (!release.load())
          std::this_thread::yield();
        return k;
      },
      {.stride = {.depth = 4, .confirmations = 1}, .max_queued = 3, .workers = 1});
  for (std::int64_t i = 0; i < 50; ++i)
    cache.get(key_of(9, i * 100));  // each get predicts 4 new keys
  release.store(true);
  pf.wait_idle();
  const Pf::Stats s = pf.stats();
  EXPECT_GT(s.dropped, 0u);
  EXPECT_LE(static_cast<std::uint64_t>(loads.load()), s.queued);
  EXPECT_LE(s.queued, s.predicted);
}

TEST(Prefetcher, LoaderFailureReachesNoCaller) {
  Cache cache;
  Pf pf(
      cache, locate,
      [](const std::uint64_t& seen, std::int64_t i) { return key_of(seen >> 32, i); },
      [](const std::uint64_t&) -> std::uint64_t { throw std::runtime_error("io"); },
      {.stride = {.depth = 1, .confirmations = 1}});
  cache.get(key_of(2, 0));
  cache.get(key_of(2, 1));
  pf.wait_idle();
  EXPECT_EQ(pf.stats().failed, 1u);
  EXPECT_EQ(cache.stats().load_failures, 1u);
  EXPECT_FALSE(cache.contains(key_of(2, 2)));
}

}  // namespace
}  // namespace opusperf
