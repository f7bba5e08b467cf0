// Throughput of SmartCache against the textbook thread-safe LRU (one std::mutex around a std::list
// and a std::unordered_map), on Zipf-distributed keys, as Caffeine's GetPutBenchmark measures it.
// Linked into `opusperf bench micro` (no main here):
//
//   opusperf bench micro --filter 'BM_(SmartCache|MutexLru)Read' --repetitions 5
//
// The set-up is Caffeine's GetPutBenchmark: a cache of 2^15 entries holding 2^15 / 3 distinct keys
// (all put before timing, so reads hit and writes replace existing values), and a ring of 2^15 keys
// drawn from a scrambled Zipf(0.99) distribution that each thread walks from its own offset; each
// benchmark reads (and, for ReadWrite, writes one operation in four) those keys. The
// figure to compare is items_per_second of BM_SmartCacheRead against BM_MutexLruRead (and
// ReadWrite against ReadWrite) at the same thread count, in the same run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <vector>

#include "opusperf/cache/hash_mix.h"
#include "opusperf/cache/smart_cache.h"

namespace opusperf {
namespace {

constexpr std::uint64_t kCapacity = 1 << 15;
constexpr std::uint64_t kItems = kCapacity / 3;
constexpr std::size_t kSamples = 1 << 15;  // keys drawn up front, shared read-only by all threads
constexpr double kZipfExponent = 0.99;

// Zipf-distributed keys, scrambled (a hash of the rank) so hot keys are spread over the table.
const std::vector<std::uint64_t>& zipf_keys() {
  static const std::vector<std::uint64_t> keys = [] {
    std::vector<double> cdf(kItems);
    double sum = 0;
    for (std::uint64_t i = 0; i < kItems; ++i) {
      sum += 1.0 / std::pow(static_cast<double>(i + 1), kZipfExponent);
      cdf[i] = sum;
    }
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> u(0.0, sum);
    std::vector<std::uint64_t> out(kSamples);
    for (auto& k : out) {
      const auto rank = static_cast<std::uint64_t>(
          std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
      k = cache::mix_hash(rank + 1);
    }
    return out;
  }();
  return keys;
}

// The baseline: a mutex around an LRU list and a hash map of list iterators.
class MutexLruCache {
 public:
  explicit MutexLruCache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<std::uint64_t> get(std::uint64_t key) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  void put(std::uint64_t key, std::uint64_t value) {
    std::lock_guard lock(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) {
      it->second->second = value;
      lru_.splice(lru_.begin(), lru_, it->second);
      return;
    }
    lru_.emplace_front(key, value);
    map_.emplace(key, lru_.begin());
    if (map_.size() > capacity_) {
      map_.erase(lru_.back().first);
      lru_.pop_back();
    }
  }

 private:
  const std::size_t capacity_;
  std::mutex mu_;
  std::list<std::pair<std::uint64_t, std::uint64_t>> lru_;
  std::unordered_map<std::uint64_t, std::list<std::pair<std::uint64_t, std::uint64_t>>::iterator>
      map_;
};

using BenchCache = SmartCache<std::uint64_t, std::uint64_t>;

template <class Cache>
Cache& filled_cache();

template <>
BenchCache& filled_cache<BenchCache>() {
  static BenchCache* cache = [] {
    BenchCache::Options o;
    o.max_entries = kCapacity;
    auto* c = new BenchCache(o);  // lives for the process: benchmark threads share it
    for (std::uint64_t i = 1; i <= kItems; ++i)
      c->put(cache::mix_hash(i), i);
    return c;
  }();
  return *cache;
}

template <>
MutexLruCache& filled_cache<MutexLruCache>() {
  static MutexLruCache* cache = [] {
    auto* c = new MutexLruCache(kCapacity);
    for (std::uint64_t i = 1; i <= kItems; ++i)
      c->put(cache::mix_hash(i), i);
    return c;
  }();
  return *cache;
}

// Every fourth operation (writes_per_4 of 4) is a put; the rest are gets.
template <class Cache, int kWritesPer4>
void run(benchmark::State& state) {
  const std::vector<std::uint64_t>& keys = zipf_keys();
  Cache& cache = filled_cache<Cache>();
  // Threads start at different points of the key sequence.
  std::size_t i =
      static_cast<std::size_t>(state.thread_index()) * (kSamples / 7);  // Caffeine: random
  std::uint64_t found = 0;
  for (auto _ : state) {
    const std::uint64_t key = keys[i & (kSamples - 1)];
    if (static_cast<int>(i & 3) < kWritesPer4) {
      cache.put(key, i);
    } else if (auto v = cache.get(key)) {
      found += *v;
    }
    ++i;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(state.iterations());
}

void BM_SmartCacheRead(benchmark::State& state) {
  run<BenchCache, 0>(state);
}
void BM_MutexLruRead(benchmark::State& state) {
  run<MutexLruCache, 0>(state);
}
void BM_SmartCacheReadWrite(benchmark::State& state) {
  run<BenchCache, 1>(state);
}
void BM_MutexLruReadWrite(benchmark::State& state) {
  run<MutexLruCache, 1>(state);
}

BENCHMARK(BM_SmartCacheRead)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_MutexLruRead)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SmartCacheReadWrite)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_MutexLruReadWrite)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace
}  // namespace opusperf
