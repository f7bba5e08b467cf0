// CacheComponent: SmartCache as a part of PerformanceOptimizer, filling the report's `cache`
// section and exporting the cache's counters as metrics.
//
//   PerformanceOptimizer opt(cfg);   // cfg.cache_size_limit, cache_max_bytes, cache_ttl, ...
//   auto component = std::make_unique<CacheComponent>(cfg, opt.metrics());
//   ResultCache& cache = component->cache();
//   auto segment = component->cache_sequence(read_segment, std::chrono::minutes(10));
//   opt.add_component(std::move(component));
//   auto score = cache_result(cache, score_clip, std::chrono::hours(1));   // memoise anything
//   Bytes b = segment(video_id, 7);   // with enable_predictive_caching, 8 and 9 load ahead
//
// The cache is a ResultCache (memoize.h) of cache_size_limit entries and cache_max_bytes weighted
// bytes whose entries live cache_ttl. With enable_predictive_caching a Prefetcher watches calls of
// functions memoised through cache_sequence() and loads the next indexes of a stream read in
// order, on one background thread, at most 64 queued.
//
// Metrics (in the optimizer's Registry, refreshed every monitoring_interval while monitoring is on
// and on every report): opusperf_cache_requests_total{result=hit|miss},
// opusperf_cache_loads_total{outcome=ok|failed}, opusperf_cache_load_time_ns_total,
// opusperf_cache_evictions_total{cause=size|expired|explicit},
// opusperf_cache_prefetch_total{outcome=issued|used|wasted}, and gauges opusperf_cache_entries,
// opusperf_cache_bytes, opusperf_cache_hit_ratio, opusperf_cache_window_fraction.
//
// Thread-safety: cache(), cache_sequence(), trim(), optimize_now() and report_section() may be
// called from many threads. Not copyable.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "opusperf/cache/memoize.h"
#include "opusperf/cache/prefetcher.h"
#include "opusperf/core/clock.h"
#include "opusperf/core/config.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/optimizer/component.h"

namespace opusperf {

class CacheComponent final : public Component {
 public:
  using SequencePrefetcher = Prefetcher<MemoKey, MemoValue, MemoKeyHash>;

  // Returns the ResultCache options the config asks for (entries, bytes, TTL), on `clock`.
  static ResultCache::Options options_from(const OptimizationConfig& config, Clock& clock);

  // REQUIRES: config passes validate(). `metrics` and `clock` must outlive the component.
  CacheComponent(const OptimizationConfig& config, Registry& metrics,
                 Clock& clock = SteadyClock::instance());
  ~CacheComponent() override;
  CacheComponent(const CacheComponent&) = delete;
  CacheComponent& operator=(const CacheComponent&) = delete;

  std::string_view section() const override { return "cache"; }
  // Starts refreshing the metrics every monitoring_interval (when enable_monitoring is set).
  void start() override;
  void stop() override;
  // Drops expired entries and evicts down to half of what the cache holds (it refills on
  // demand); reports the weighted bytes freed.
  OptimizationStep optimize_now() override;
  // Returns {"enabled": true, "window_policy", "hits", "misses", "hit_ratio_percent", "loads",
  // "load_failures", "load_time_ms", "evictions": {"size", "expired", "explicit"}, "entries",
  // "max_entries", "bytes", "max_bytes", "ttl_ms", "window_percent",
  // "prefetch": {"enabled", "issued", "used", "wasted", "predicted", "queued", "dropped",
  // "failed"}}.
  nlohmann::json report_section() const override;

  ResultCache& cache() { return cache_; }

  // Returns fn(std::uint64_t stream, std::int64_t index) memoised in cache() (as cache_result
  // does, entries living ttl), and registers it for prefetch: with enable_predictive_caching, a
  // stream whose indexes are read in order (or with a fixed stride) has its next indexes loaded
  // in the background (entries prefetched live cache_ttl).
  template <class F>
  auto cache_sequence(F fn, Clock::duration ttl) {
    using R = std::decay_t<std::invoke_result_t<F&, std::uint64_t, std::int64_t>>;
    auto memo = cache_result(cache_, fn, ttl);
    {
      std::lock_guard lock(sequences_mu_);
      sequences_[memo.function_id()] = [fn](std::uint64_t stream, std::int64_t index) mutable {
        R r = fn(stream, index);
        const std::uint64_t bytes = memo_bytes(r);
        return MemoValue{std::make_shared<const R>(std::move(r)), bytes};
      };
    }
    return [memo](std::uint64_t stream, std::int64_t index) { return memo(stream, index); };
  }

  // Evicts until at most keep_fraction (0 .. 1) of the entries and weighted bytes now held
  // remain, then restores the configured capacity. Returns the weighted bytes freed. For the
  // MemoryOptimizer's trimmers.
  std::uint64_t trim(double keep_fraction);

  // Copies the cache's counters into the registry's metrics.
  void publish_metrics() const;

  // Blocks until no prefetch is queued or loading (returns at once when predictive caching is off).
  void wait_for_prefetches();

  // The prefetcher's counters; all zero when predictive caching is off.
  SequencePrefetcher::Stats prefetch_stats() const;

 private:
  struct Metrics;

  std::optional<SequencePrefetcher::Position> locate(const MemoKey& key) const;
  MemoValue load_sequence(const MemoKey& key) const;
  void publish_loop();

  const OptimizationConfig config_;
  ResultCache cache_;
  std::unique_ptr<Metrics> metrics_;

  mutable std::mutex sequences_mu_;
  std::unordered_map<std::uint64_t, std::function<MemoValue(std::uint64_t, std::int64_t)>>
      sequences_;
  std::unique_ptr<SequencePrefetcher> prefetcher_;  // after what it calls into

  std::mutex publisher_mu_;
  std::condition_variable publisher_cv_;
  bool stopping_ = false;
  std::thread publisher_;
};

}  // namespace opusperf
