#include "opusperf/optimizer/cache_component.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "opusperf/cache/hash_mix.h"

namespace opusperf {

// The registry's metrics and the counter values last copied into them.
struct CacheComponent::Metrics {
  explicit Metrics(Registry& r)
      : hits(requests(r).with({"hit"})),
        misses(requests(r).with({"miss"})),
        loads_ok(loads(r).with({"ok"})),
        loads_failed(loads(r).with({"failed"})),
        load_ns(r.counter("opusperf_cache_load_time_ns_total", "Time spent in SmartCache loaders.")
                    .with({})),
        evicted_size(evictions(r).with({"size"})),
        evicted_expired(evictions(r).with({"expired"})),
        evicted_explicit(evictions(r).with({"explicit"})),
        prefetch_issued(prefetches(r).with({"issued"})),
        prefetch_used(prefetches(r).with({"used"})),
        prefetch_wasted(prefetches(r).with({"wasted"})),
        entries(r.gauge("opusperf_cache_entries", "SmartCache entries held.").with({})),
        bytes(r.gauge("opusperf_cache_bytes", "SmartCache weighted bytes held.").with({})),
        hit_ratio(r.gauge("opusperf_cache_hit_ratio", "SmartCache hits / lookups.").with({})),
        window(r.gauge("opusperf_cache_window_fraction",
                       "SmartCache admission window share of capacity.")
                   .with({})) {}

  static Family<Counter>& requests(Registry& r) {
    return r.counter("opusperf_cache_requests_total", "SmartCache lookups.", {"result"});
  }
  static Family<Counter>& loads(Registry& r) {
    return r.counter("opusperf_cache_loads_total", "SmartCache loader calls.", {"outcome"});
  }
  static Family<Counter>& evictions(Registry& r) {
    return r.counter("opusperf_cache_evictions_total", "SmartCache removals.", {"cause"});
  }
  static Family<Counter>& prefetches(Registry& r) {
    return r.counter("opusperf_cache_prefetch_total", "SmartCache prefetches.", {"outcome"});
  }

  Counter& hits;
  Counter& misses;
  Counter& loads_ok;
  Counter& loads_failed;
  Counter& load_ns;
  Counter& evicted_size;
  Counter& evicted_expired;
  Counter& evicted_explicit;
  Counter& prefetch_issued;
  Counter& prefetch_used;
  Counter& prefetch_wasted;
  Gauge& entries;
  Gauge& bytes;
  Gauge& hit_ratio;
  Gauge& window;

  std::mutex mu;  // guards `published`
  CacheStats published;
};

namespace {

// Adds to c what `now` has gained since `before` (counters only move forward).
void advance(Counter& c, std::uint64_t now, std::uint64_t before) {
  if (now > before) c.inc(now - before);
}

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace

ResultCache::Options CacheComponent::options_from(const OptimizationConfig& config, Clock& clock) {
  ResultCache::Options o =
      result_cache_options(config.cache_size_limit, config.cache_max_bytes, config.cache_ttl);
  o.clock = &clock;
  return o;
}

CacheComponent::CacheComponent(const OptimizationConfig& config, Registry& metrics, Clock& clock)
    : config_(config),
      cache_(options_from(config, clock)),
      metrics_(std::make_unique<Metrics>(metrics)) {
  if (config.enable_predictive_caching) {
    prefetcher_ = std::make_unique<SequencePrefetcher>(
        cache_, [this](const MemoKey& k) { return locate(k); },
        [](const MemoKey& seen, std::int64_t index) {
          const auto at = seen.sequence_position();
          return MemoKey(seen.function_id(), ArgsHasher{}(at->first, index),
                         std::tuple<std::uint64_t, std::int64_t>(at->first, index));
        },
        [this](const MemoKey& k) { return load_sequence(k); });
  }
}

CacheComponent::~CacheComponent() {
  stop();
  prefetcher_.reset();  // joins its thread before the functions it calls go away
}

std::optional<CacheComponent::SequencePrefetcher::Position> CacheComponent::locate(
    const MemoKey& key) const {
  const auto at = key.sequence_position();
  if (!at) return std::nullopt;
  {
    std::lock_guard lock(sequences_mu_);
    if (!sequences_.contains(key.function_id())) return std::nullopt;
  }
  // One stream per (function, stream argument).
  return SequencePrefetcher::Position{cache::mix_hash(key.function_id()) ^ at->first, at->second};
}

MemoValue CacheComponent::load_sequence(const MemoKey& key) const {
  std::function<MemoValue(std::uint64_t, std::int64_t)> fn;
  {
    std::lock_guard lock(sequences_mu_);
    fn = sequences_.at(key.function_id());
  }
  const auto at = key.sequence_position();
  return fn(at->first, at->second);
}

void CacheComponent::start() {
  if (!config_.enable_monitoring) return;
  publisher_ = std::thread([this] { publish_loop(); });
}

void CacheComponent::stop() {
  {
    std::lock_guard lock(publisher_mu_);
    stopping_ = true;
  }
  publisher_cv_.notify_all();
  if (publisher_.joinable()) publisher_.join();
}

void CacheComponent::publish_loop() {
  std::unique_lock lock(publisher_mu_);
  while (!publisher_cv_.wait_for(lock, config_.monitoring_interval, [this] { return stopping_; })) {
    lock.unlock();
    publish_metrics();
    lock.lock();
  }
}

std::uint64_t CacheComponent::trim(double keep_fraction) {
  if (!(keep_fraction >= 0 && keep_fraction <= 1)) {
    throw std::invalid_argument("CacheComponent::trim: keep_fraction must be in [0, 1]");
  }
  const CacheStats before = cache_.stats();
  const auto keep = [&](std::uint64_t n) {
    return static_cast<std::uint64_t>(std::floor(static_cast<double>(n) * keep_fraction));
  };
  // The entry limit must stay >= 1: keeping 0 entries means clearing.
  if (keep(before.entries) == 0) {
    cache_.clear();
  } else {
    cache_.resize(keep(before.entries),
                  before.max_bytes == 0 ? 0 : std::max<std::uint64_t>(1, keep(before.bytes)));
    cache_.resize(before.max_entries, before.max_bytes);
  }
  const CacheStats after = cache_.stats();
  return before.bytes > after.bytes ? before.bytes - after.bytes : 0;
}

OptimizationStep CacheComponent::optimize_now() {
  cache_.cleanup();
  const CacheStats before = cache_.stats();
  const std::uint64_t freed = trim(0.5);
  const CacheStats after = cache_.stats();
  publish_metrics();
  return {"cache", freed,
          fmt::format("evicted {} of {} entries ({} -> {} B), {} expired so far",
                      before.entries - after.entries, before.entries, before.bytes, after.bytes,
                      after.evictions_expired)};
}

void CacheComponent::publish_metrics() const {
  const CacheStats s = cache_.stats();
  Metrics& m = *metrics_;
  std::lock_guard lock(m.mu);
  const CacheStats& p = m.published;
  advance(m.hits, s.hits, p.hits);
  advance(m.misses, s.misses, p.misses);
  advance(m.loads_ok, s.loads, p.loads);
  advance(m.loads_failed, s.load_failures, p.load_failures);
  advance(m.load_ns, static_cast<std::uint64_t>(s.load_time.count()),
          static_cast<std::uint64_t>(p.load_time.count()));
  advance(m.evicted_size, s.evictions_size, p.evictions_size);
  advance(m.evicted_expired, s.evictions_expired, p.evictions_expired);
  advance(m.evicted_explicit, s.evictions_explicit, p.evictions_explicit);
  advance(m.prefetch_issued, s.prefetch_issued, p.prefetch_issued);
  advance(m.prefetch_used, s.prefetch_used, p.prefetch_used);
  advance(m.prefetch_wasted, s.prefetch_wasted, p.prefetch_wasted);
  m.entries.set(static_cast<double>(s.entries));
  m.bytes.set(static_cast<double>(s.bytes));
  m.hit_ratio.set(s.hit_ratio());
  m.window.set(s.window_fraction);
  m.published = s;
}

void CacheComponent::wait_for_prefetches() {
  if (prefetcher_) prefetcher_->wait_idle();
}

CacheComponent::SequencePrefetcher::Stats CacheComponent::prefetch_stats() const {
  return prefetcher_ ? prefetcher_->stats() : SequencePrefetcher::Stats{};
}

nlohmann::json CacheComponent::report_section() const {
  publish_metrics();
  const CacheStats s = cache_.stats();
  const SequencePrefetcher::Stats p = prefetch_stats();
  return {
      {"enabled", true},
      {"window_policy", "adaptive"},
      {"hits", s.hits},
      {"misses", s.misses},
      {"hit_ratio_percent", 100.0 * s.hit_ratio()},
      {"loads", s.loads},
      {"load_failures", s.load_failures},
      {"load_time_ms", ms(s.load_time)},
      {"evictions",
       {{"size", s.evictions_size},
        {"expired", s.evictions_expired},
        {"explicit", s.evictions_explicit}}},
      {"entries", s.entries},
      {"max_entries", s.max_entries},
      {"bytes", s.bytes},
      {"max_bytes", s.max_bytes},
      {"ttl_ms", ms(config_.cache_ttl)},
      {"window_percent", 100.0 * s.window_fraction},
      {"prefetch",
       {{"enabled", prefetcher_ != nullptr},
        {"issued", s.prefetch_issued},
        {"used", s.prefetch_used},
        {"wasted", s.prefetch_wasted},
        {"predicted", p.predicted},
        {"queued", p.queued},
        {"dropped", p.dropped},
        {"failed", p.failed}}},
  };
}

}  // namespace opusperf
