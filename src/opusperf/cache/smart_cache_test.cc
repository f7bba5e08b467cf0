#include "opusperf/cache/smart_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "opusperf/core/clock.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kScale = 10;  // sanitizers run 5-20x slower
#else
constexpr int kScale = 1;
#endif

using IntCache = SmartCache<int, int>;

IntCache::Options entries(std::uint64_t n) {
  IntCache::Options o;
  o.max_entries = n;
  return o;
}

TEST(SmartCache, PutThenGetHits) {
  IntCache cache(entries(10));
  EXPECT_FALSE(cache.get(1));
  cache.put(1, 100);
  auto v = cache.get(1);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 100);
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_DOUBLE_EQ(s.hit_ratio(), 0.5);
  EXPECT_EQ(s.entries, 1u);
}

TEST(SmartCache, PutReplacesValue) {
  IntCache cache(entries(10));
  cache.put(1, 1);
  cache.put(1, 2);
  EXPECT_EQ(*cache.get(1), 2);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(SmartCache, EmptyOptionalAndNullptrAreHits) {
  SmartCache<std::string, std::optional<int>> optionals;
  optionals.put("none", std::nullopt);
  auto o = optionals.get("none");
  ASSERT_TRUE(o) << "a cached empty optional must be a hit";
  EXPECT_FALSE(o->has_value());

  SmartCache<std::string, std::shared_ptr<int>> pointers;
  pointers.put("null", nullptr);
  auto p = pointers.get("null");
  ASSERT_TRUE(p) << "a cached nullptr must be a hit";
  EXPECT_EQ(*p, nullptr);
  EXPECT_EQ(pointers.stats().hits, 1u);
}

TEST(SmartCache, MoveOnlyValuesAreShared) {
  SmartCache<int, std::unique_ptr<std::string>> cache;
  cache.put(1, std::make_unique<std::string>("frame"));
  std::shared_ptr<const std::unique_ptr<std::string>> v = cache.get(1);
  ASSERT_TRUE(v);
  EXPECT_EQ(**v, "frame");
  auto loaded = cache.get_or_load(2, [] { return std::make_unique<std::string>("loaded"); });
  EXPECT_EQ(**loaded, "loaded");
}

TEST(SmartCache, EntryCapacityIsRespected) {
  IntCache cache(entries(100));
  for (int i = 0; i < 1000; ++i) {
    cache.put(i, i);
    ASSERT_LE(cache.size(), 100u);
  }
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.entries, 100u);
  EXPECT_EQ(s.evictions_size, 900u);
}

TEST(SmartCache, FrequentKeysSurviveAScan) {
  IntCache cache(entries(100));
  for (int round = 0; round < 5; ++round) {
    for (int k = 0; k < 50; ++k) {
      if (!cache.get(k)) cache.put(k, k);
    }
  }
  for (int k = 1000; k < 11000; ++k) {
    if (!cache.get(k)) cache.put(k, k);  // a one-pass scan of 10000 new keys
  }
  int kept = 0;
  for (int k = 0; k < 50; ++k)
    kept += cache.contains(k) ? 1 : 0;
  EXPECT_GE(kept, 45) << "frequency admission must keep the hot set through a scan";
}

TEST(SmartCache, LargeCacheKeepsHotKeysThroughAScan) {
  // 8192 entries: hits on recently seen entries are not all recorded (CacheCore's skip window);
  // the hot set must still win against a scan.
  IntCache cache(entries(8192));
  for (int round = 0; round < 20; ++round) {
    for (int k = 0; k < 2000; ++k) {
      if (!cache.get(k)) cache.put(k, k);
    }
  }
  for (int k = 100'000; k < 100'000 + 60'000 / kScale; ++k) {
    if (!cache.get(k)) cache.put(k, k);
  }
  int kept = 0;
  for (int k = 0; k < 2000; ++k)
    kept += cache.contains(k) ? 1 : 0;
  EXPECT_GE(kept, 1900);
}

TEST(SmartCache, ByteWeightedEvictionKeepsBytesWithinCapacity) {
  SmartCache<int, std::string>::Options o;
  o.max_entries = 1'000'000;
  o.max_bytes = 10'000;
  o.weigher = [](const int&, const std::string& s) { return s.size(); };
  SmartCache<int, std::string> cache(o);
  for (int i = 0; i < 2000; ++i) {
    cache.put(i, std::string(static_cast<std::size_t>(1 + (i * 37) % 400), 'x'));
    const CacheStats s = cache.stats();
    ASSERT_LE(s.bytes, 10'000u) << "after put " << i;
  }
  EXPECT_GT(cache.stats().evictions_size, 0u);
}

TEST(SmartCache, ValueHeavierThanByteCapacityIsNotKept) {
  SmartCache<int, std::string>::Options o;
  o.max_bytes = 100;
  o.weigher = [](const int&, const std::string& s) { return s.size(); };
  SmartCache<int, std::string> cache(o);
  cache.put(1, std::string(50, 'a'));
  cache.put(2, std::string(500, 'b'));
  EXPECT_LE(cache.stats().bytes, 100u);
  EXPECT_FALSE(cache.contains(2));
  EXPECT_TRUE(cache.contains(1));
}

TEST(SmartCache, UpdatedWeightIsCharged) {
  SmartCache<int, std::string>::Options o;
  o.max_bytes = 1000;
  o.weigher = [](const int&, const std::string& s) { return s.size(); };
  SmartCache<int, std::string> cache(o);
  cache.put(1, std::string(10, 'a'));
  EXPECT_EQ(cache.stats().bytes, 10u);
  cache.put(1, std::string(300, 'a'));
  EXPECT_EQ(cache.stats().bytes, 300u);
}

TEST(SmartCache, ResizeShrinksAtOnce) {
  IntCache cache(entries(1000));
  for (int i = 0; i < 1000; ++i)
    cache.put(i, i);
  EXPECT_EQ(cache.size(), 1000u);
  cache.resize(10);
  EXPECT_EQ(cache.size(), 10u);
  EXPECT_EQ(cache.stats().max_entries, 10u);
  cache.resize(100, 0);
  for (int i = 0; i < 1000; ++i)
    cache.put(i, i);
  EXPECT_EQ(cache.size(), 100u);
}

TEST(SmartCache, ResizeBytesShrinksAtOnce) {
  SmartCache<int, std::string>::Options o;
  o.max_bytes = 100'000;
  o.weigher = [](const int&, const std::string& s) { return s.size(); };
  SmartCache<int, std::string> cache(o);
  for (int i = 0; i < 100; ++i)
    cache.put(i, std::string(100, 'x'));
  EXPECT_EQ(cache.stats().bytes, 10'000u);
  cache.resize(1000, 2'000);
  EXPECT_LE(cache.stats().bytes, 2'000u);
}

TEST(SmartCache, RejectsBadOptions) {
  EXPECT_THROW(IntCache(entries(0)), std::invalid_argument);
  IntCache::Options o;
  o.window_policy = "nope";
  EXPECT_THROW(IntCache{o}, std::invalid_argument);
  o.window_policy = "static";
  o.window_fraction = 1.5;
  EXPECT_THROW(IntCache{o}, std::invalid_argument);
  IntCache ok(entries(1));
  EXPECT_THROW(ok.resize(0), std::invalid_argument);
}

TEST(SmartCache, InvalidateAndClear) {
  IntCache cache(entries(100));
  cache.put(1, 1);
  cache.put(2, 2);
  EXPECT_TRUE(cache.invalidate(1));
  EXPECT_FALSE(cache.invalidate(1));
  EXPECT_FALSE(cache.get(1));
  EXPECT_TRUE(cache.get(2));
  cache.clear();
  EXPECT_FALSE(cache.get(2));
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.entries, 0u);
  EXPECT_EQ(s.bytes, 0u);
  EXPECT_EQ(s.evictions_explicit, 2u);
  cache.put(3, 3);  // usable after clear
  EXPECT_EQ(*cache.get(3), 3);
}

// ---- TTL, with an injected clock ----

TEST(SmartCacheTtl, ExpiredEntriesAreNeverReturned) {
  ManualClock clock;
  IntCache::Options o;
  o.clock = &clock;
  o.default_ttl = 10s;
  IntCache cache(o);
  cache.put(1, 1);
  cache.put(2, 2, 1h);  // per-entry TTL
  cache.put(3, 3, 0s);  // never expires
  clock.advance(9s);
  EXPECT_TRUE(cache.get(1));
  clock.advance(1s);
  EXPECT_FALSE(cache.get(1)) << "expired at exactly its TTL";
  EXPECT_FALSE(cache.contains(1));
  EXPECT_TRUE(cache.get(2));
  clock.advance(2h);
  EXPECT_FALSE(cache.get(2));
  clock.advance(24h * 30);
  EXPECT_TRUE(cache.get(3));
}

TEST(SmartCacheTtl, TimerWheelReclaimsExpiredEntries) {
  ManualClock clock;
  IntCache::Options o;
  o.clock = &clock;
  o.default_ttl = 5min;
  o.max_entries = 10'000;
  IntCache cache(o);
  for (int i = 0; i < 1000; ++i)
    cache.put(i, i);
  cache.put(5000, 5000, 0s);
  clock.advance(5min + 2s);  // the wheel reports within ~1 s of expiry
  cache.cleanup();
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.evictions_expired, 1000u);
  EXPECT_EQ(s.entries, 1u);
}

TEST(SmartCacheTtl, RewriteExtendsAndShortensExpiry) {
  ManualClock clock;
  IntCache::Options o;
  o.clock = &clock;
  IntCache cache(o);
  cache.put(1, 1, 10s);
  clock.advance(8s);
  cache.put(1, 2, 10s);  // later expiry: no event, the wheel reschedules lazily
  clock.advance(8s);
  EXPECT_EQ(*cache.get(1), 2);
  cache.put(1, 3, 1s);  // earlier expiry
  clock.advance(3s);
  EXPECT_FALSE(cache.get(1));
  cache.cleanup();
  EXPECT_EQ(cache.stats().evictions_expired, 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(SmartCacheTtl, ExpiredEntryIsReloaded) {
  ManualClock clock;
  IntCache::Options o;
  o.clock = &clock;
  o.default_ttl = 1s;
  IntCache cache(o);
  int calls = 0;
  auto loader = [&] { return ++calls; };
  EXPECT_EQ(*cache.get_or_load(7, loader), 1);
  EXPECT_EQ(*cache.get_or_load(7, loader), 1);
  clock.advance(2s);
  EXPECT_EQ(*cache.get_or_load(7, loader), 2);
  EXPECT_EQ(calls, 2);
}

// ---- get_or_load ----

TEST(SmartCacheLoad, LoaderRunsOnceAndIsTimed) {
  ManualClock clock;
  IntCache::Options o;
  o.clock = &clock;
  IntCache cache(o);
  int calls = 0;
  auto loader = [&](const int& key) {
    ++calls;
    clock.advance(5ms);
    return key * 2;
  };
  EXPECT_EQ(*cache.get_or_load(21, loader), 42);
  EXPECT_EQ(*cache.get_or_load(21, loader), 42);
  EXPECT_EQ(calls, 1);
  const CacheStats s = cache.stats();
  EXPECT_EQ(s.loads, 1u);
  EXPECT_EQ(s.load_time, 5ms);
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
}

TEST(SmartCacheLoad, SingleFlightUnderContention) {
  IntCache cache(entries(100));
  constexpr int kThreads = 8;
  std::atomic<int> calls{0};
  std::atomic<bool> release{false};
  std::atomic<int> started{0};
  std::vector<std::thread> threads;
  std::vector<int> results(kThreads, -1);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      started.fetch_add(1);
      results[t] = *cache.get_or_load(42, [&] {
        calls.fetch_add(1);
        // Hold the load until every thread has asked, so they all find it in flight.
        while (!release.load())
          std::this_thread::yield();
        return 7;
      });
    });
  }
  while (started.load() < kThreads)
    std::this_thread::yield();
  std::this_thread::sleep_for(20ms);  // let the waiters reach the flight (not a timing assert)
  release.store(true);
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(calls.load(), 1);
  for (int r : results)
    EXPECT_EQ(r, 7);
  EXPECT_EQ(cache.stats().loads, 1u);
}

TEST(SmartCacheLoad, LoaderExceptionReachesEveryWaiterAndCachesNothing) {
  IntCache cache(entries(100));
  constexpr int kThreads = 6;
  std::atomic<int> calls{0};
  std::atomic<bool> release{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        cache.get_or_load(1, [&]() -> int {
          calls.fetch_add(1);
          while (!release.load())
            std::this_thread::yield();
          throw std::runtime_error("decode failed");
        });
      } catch (const std::runtime_error& e) {
        if (std::string(e.what()) == "decode failed") failures.fetch_add(1);
      }
    });
  }
  std::this_thread::sleep_for(20ms);
  release.store(true);
  for (auto& th : threads)
    th.join();
  // Callers that arrived after the failed flight ended may start a new one; each fails the same.
  EXPECT_GE(calls.load(), 1);
  EXPECT_EQ(failures.load(), kThreads);
  EXPECT_FALSE(cache.contains(1));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.stats().load_failures, static_cast<std::uint64_t>(calls.load()));
  EXPECT_EQ(*cache.get_or_load(1, [] { return 5; }), 5) << "a later load may succeed";
}

TEST(SmartCacheLoad, InvalidateDuringLoadDoesNotCacheTheStaleValue) {
  IntCache cache(entries(100));
  std::atomic<bool> loading{false};
  std::atomic<bool> release{false};
  std::thread loader([&] {
    auto v = cache.get_or_load(1, [&] {
      loading.store(true);
      while (!release.load())
        std::this_thread::yield();
      return 1;
    });
    EXPECT_EQ(*v, 1) << "the caller still gets its value";
  });
  while (!loading.load())
    std::this_thread::yield();
  EXPECT_FALSE(cache.invalidate(1));
  release.store(true);
  loader.join();
  EXPECT_FALSE(cache.contains(1));
}

TEST(SmartCacheLoad, ALoaderAskingForItsOwnKeyFailsInsteadOfDeadlocking) {
  IntCache cache(entries(10));
  EXPECT_THROW(cache.get_or_load(1, [&] { return *cache.get_or_load(1, [] { return 2; }); }),
               std::logic_error);
  EXPECT_EQ(*cache.get_or_load(1, [] { return 3; }), 3) << "the failed flight is gone";
}

TEST(SmartCacheTtl, AHugeTtlNeverExpires) {
  ManualClock clock;
  IntCache::Options o;
  o.clock = &clock;
  IntCache cache(o);
  cache.put(1, 1, Clock::duration::max());
  clock.advance(24h * 365);
  EXPECT_TRUE(cache.get(1));
}

// ---- concurrency (run under TSan) ----

TEST(SmartCacheConcurrency, MixedOperationsStayConsistent) {
  SmartCache<int, std::string>::Options o;
  o.max_entries = 200;
  o.max_bytes = 4000;
  o.weigher = [](const int&, const std::string& s) { return s.size(); };
  SmartCache<int, std::string> cache(o);
  constexpr int kThreads = 4;
  const int ops = 20'000 / kScale;
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::uint32_t x = 12345u + static_cast<std::uint32_t>(t);
      for (int i = 0; i < ops; ++i) {
        x = x * 1664525u + 1013904223u;
        const int key = static_cast<int>((x >> 8) % 500);
        const std::string value(static_cast<std::size_t>(1 + key % 40),
                                static_cast<char>('a' + key % 26));
        switch ((x >> 4) % 8) {
          case 0:
          case 1:
            cache.put(key, value);
            break;
          case 2:
            cache.invalidate(key);
            break;
          case 3: {
            auto v = cache.get_or_load(key, [&] { return value; });
            if (*v != value) wrong.fetch_add(1);
            break;
          }
          default:
            if (auto v = cache.get(key); v && *v != value) wrong.fetch_add(1);
        }
        if (t == 0 && i % 5000 == 0) cache.cleanup();
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(wrong.load(), 0) << "a get returned another key's value";
  const CacheStats s = cache.stats();
  EXPECT_LE(s.entries, 200u);
  EXPECT_LE(s.bytes, 4000u);
}

TEST(SmartCacheConcurrency, ReadersSeeWholeValuesWhileWritersReplaceThem) {
  SmartCache<int, std::vector<int>> cache;
  for (int k = 0; k < 16; ++k)
    cache.put(k, std::vector<int>(64, k));
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::thread writer([&] {
    for (int i = 0; i < 20'000 / kScale; ++i) {
      const int k = i % 16;
      cache.put(k, std::vector<int>(64, k + 16 * (i % 7)));
    }
    stop.store(true);
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        for (int k = 0; k < 16; ++k) {
          auto v = cache.get(k);
          if (!v) continue;
          for (int x : *v) {
            if (x != (*v)[0] || x % 16 != k) {
              torn.fetch_add(1);
              break;
            }
          }
        }
      }
    });
  }
  writer.join();
  for (auto& th : readers)
    th.join();
  EXPECT_EQ(torn.load(), 0);
}

TEST(SmartCacheConcurrency, ClearAndResizeRaceWithWriters) {
  IntCache cache(entries(500));
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        cache.put(i % 2000 + t, i);
        cache.get(i % 1000);
      }
    });
  }
  for (int i = 0; i < 50 / kScale + 5; ++i) {
    cache.clear();
    cache.resize(static_cast<std::uint64_t>(100 + (i % 5) * 100));
  }
  stop.store(true);
  for (auto& th : threads)
    th.join();
  cache.resize(100);
  EXPECT_LE(cache.size(), 100u);
}

TEST(SmartCacheConcurrency, InPlacePutsRacingRemovalsNeverShowAnotherValue) {
  // Each writer owns its keys and puts increasing values; a put of a present key replaces the
  // value under the entry's lock only, while another thread invalidates, clears and evicts. A
  // writer's own get after its put sees that value or nothing (removed meanwhile), never an
  // older one, and the counts agree at the end.
  IntCache cache(entries(64));
  constexpr int kWriters = 2;
  constexpr int kKeysPerWriter = 40;
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kWriters; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < 200'000 / kScale; ++i) {
        const int key = t * kKeysPerWriter + i % kKeysPerWriter;
        cache.put(key, i);
        if (auto v = cache.get(key); v && *v != i) wrong.fetch_add(1);
      }
    });
  }
  std::thread remover([&] {
    for (int i = 0; !stop.load(); ++i) {
      cache.invalidate(i % (kWriters * kKeysPerWriter));
      if (i % 1000 == 0) cache.clear();
    }
  });
  for (auto& th : writers)
    th.join();
  stop.store(true);
  remover.join();
  EXPECT_EQ(wrong.load(), 0);
  cache.cleanup();
  std::uint64_t present = 0;
  for (int k = 0; k < kWriters * kKeysPerWriter; ++k)
    present += cache.contains(k) ? 1 : 0;
  EXPECT_EQ(present, cache.size());
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace opusperf
