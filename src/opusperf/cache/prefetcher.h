// Prefetcher: predictive caching for a SmartCache. It watches the keys the cache is asked for,
// finds streams read sequentially or with a fixed stride (StrideDetector), and loads the predicted
// next keys on background threads before they are asked for.
//
//   // keys are (video, segment); segment i+1 usually follows segment i
//   using P = Prefetcher<SegmentKey, Bytes, SegmentHash>;
//   P prefetch(cache,
//              [](const SegmentKey& k) { return P::Position{k.video, k.segment}; },
//              [](const SegmentKey& seen, std::int64_t i) { return SegmentKey{seen.video, i}; },
//              [](const SegmentKey& k) { return read_segment(k); });
//   cache.get_or_load(key, read_segment);   // as usual; the prefetcher loads ahead
//
// Bounded in memory and work: at most max_queued predicted keys wait (more are dropped and
// counted), `workers` threads load them, a key already cached or being loaded is skipped, and a
// demand get_or_load for a key being prefetched waits for that load instead of loading it again.
// The cache counts prefetch_issued / used / wasted (CacheStats); this class counts what it
// predicted, queued, dropped and what failed.
//
// Thread-safety: the cache may be used from any thread while the prefetcher is installed. The
// prefetcher installs itself as the cache's access observer in its constructor and removes itself
// in its destructor, which joins its threads. REQUIRES: no other observer is installed; the cache
// outlives the prefetcher; the prefetcher is destroyed while no other thread calls the cache's get
// or get_or_load (an observer call may be running). Cost per get: a locate() call and, for keys in
// a stream, a mutex and a hash lookup.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "opusperf/cache/smart_cache.h"
#include "opusperf/cache/stride_detector.h"

namespace opusperf {

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class Prefetcher final : private SmartCache<K, V, Hash, KeyEqual>::AccessObserver {
 public:
  using Cache = SmartCache<K, V, Hash, KeyEqual>;
  // Where a key sits in its stream.
  struct Position {
    std::uint64_t stream = 0;
    std::int64_t index = 0;
  };
  // Returns key's position, or nullopt for keys that belong to no stream.
  using Locate = std::function<std::optional<Position>(const K&)>;
  // Returns the key at `index` of the stream of `seen` (the inverse of Locate).
  using KeyAt = std::function<K(const K& seen, std::int64_t index)>;
  using Loader = std::function<V(const K&)>;

  struct Options {
    cache::StrideOptions stride;  // depth 2, 2 confirmations, 1024 streams
    std::size_t max_queued = 64;  // predicted keys waiting to load; >= 1
    int workers = 1;              // loading threads; >= 1
  };

  struct Stats {
    std::uint64_t predicted = 0;  // keys predicted (before dedup)
    std::uint64_t queued = 0;     // keys queued for loading
    std::uint64_t dropped = 0;    // keys not queued because the queue was full
    std::uint64_t failed = 0;     // prefetch loads that threw
  };

  // REQUIRES: valid options and non-null functions (else throws std::invalid_argument).
  Prefetcher(Cache& cache, Locate locate, KeyAt key_at, Loader loader, Options options = {})
      : cache_(cache),
        locate_(std::move(locate)),
        key_at_(std::move(key_at)),
        loader_(std::move(loader)),
        options_(options),
        detector_(options.stride) {
    if (!locate_ || !key_at_ || !loader_) {
      throw std::invalid_argument("Prefetcher: locate, key_at and loader must be set");
    }
    if (options_.max_queued < 1 || options_.workers < 1) {
      throw std::invalid_argument("Prefetcher: max_queued and workers must be >= 1");
    }
    for (int i = 0; i < options_.workers; ++i)
      workers_.emplace_back([this] { work(); });
    cache_.set_observer(this);
  }
  ~Prefetcher() {
    cache_.set_observer(nullptr);
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : workers_)
      t.join();
  }
  Prefetcher(const Prefetcher&) = delete;
  Prefetcher& operator=(const Prefetcher&) = delete;

  // Blocks until no predicted key is waiting or loading (for tests and orderly shutdown).
  void wait_idle() {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [this] { return queue_.empty() && busy_ == 0; });
  }

  Stats stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  void on_get(const K& key, bool /*hit*/) override {
    const std::optional<Position> at = locate_(key);
    if (!at) return;
    std::vector<K> wanted;
    {
      std::lock_guard lock(mu_);
      if (stop_) return;
      for (std::int64_t index : detector_.observe(at->stream, at->index)) {
        ++stats_.predicted;
        K next = key_at_(key, index);
        if (!pending_.contains(next)) wanted.push_back(std::move(next));
      }
    }
    // contains() outside our lock: it is lock-free, and the check is only an optimisation (the
    // cache's prefetch() skips present keys anyway).
    std::erase_if(wanted, [this](const K& k) { return cache_.contains(k); });
    if (wanted.empty()) return;
    {
      std::lock_guard lock(mu_);
      for (K& k : wanted) {
        if (queue_.size() >= options_.max_queued) {
          ++stats_.dropped;
          continue;
        }
        if (!pending_.insert(k).second) continue;
        ++stats_.queued;
        queue_.push_back(std::move(k));
      }
    }
    work_cv_.notify_one();
  }

  void work() {
    std::unique_lock lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      K key = std::move(queue_.front());
      queue_.pop_front();
      ++busy_;
      lock.unlock();
      bool failed = false;
      try {
        cache_.prefetch(key, loader_);
      } catch (...) {
        failed = true;  // the cache counted the load failure; a prefetch error reaches no caller
      }
      lock.lock();
      if (failed) ++stats_.failed;
      pending_.erase(key);
      --busy_;
      if (queue_.empty() && busy_ == 0) idle_cv_.notify_all();
    }
  }

  Cache& cache_;
  const Locate locate_;
  const KeyAt key_at_;
  const Loader loader_;
  const Options options_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  cache::StrideDetector detector_;
  std::deque<K> queue_;
  std::unordered_set<K, Hash, KeyEqual> pending_;  // queued or loading
  int busy_ = 0;
  bool stop_ = false;
  Stats stats_;
  std::vector<std::thread> workers_;  // last: started after everything above exists
};

}  // namespace opusperf
