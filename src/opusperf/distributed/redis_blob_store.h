// RedisBlobStore: byte strings kept in Redis under a key prefix, with a TTL and a size cap, that
// never fails its caller: when Redis is down or slow, get answers "not there" and put drops the
// value, both counted as a fallback and logged once per outage; it reconnects on its own (after
// a back-off that doubles from 0.5 s to 10 s, so a dead server costs one failed connect per
// back-off period, not one per request). It is the engine of RedisTier (redis_tier.h).
//
//   RedisBlobStore store({.endpoint = parse_redis_url("redis://127.0.0.1:6379"),
//                         .key_prefix = "opusperf:chunk:"});
//   store.put("abc", bytes);
//   if (std::optional<std::string> b = store.get("abc")) ...
//   store.stats().fallbacks;   // calls answered locally because Redis was unavailable
//
// Thread-safety: every method may be called from many threads; they share one connection under a
// mutex (calls are short: one round trip, bounded by `timeout`). Cost: one round trip per call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "opusperf/distributed/redis_connection.h"
#include "opusperf/monitor/metric_registry.h"

namespace opusperf::distributed {

struct RedisBlobStoreOptions {
  RedisEndpoint endpoint;
  std::string key_prefix = "opusperf:cache:";
  std::chrono::seconds ttl = std::chrono::hours(24);  // 0 = keep until evicted by Redis
  std::size_t max_value_bytes = 8u << 20;             // larger values are not stored
  std::chrono::milliseconds timeout{250};             // connect and per-command
  std::chrono::milliseconds min_retry{500};           // back-off after a failure, doubling ...
  std::chrono::milliseconds max_retry{10'000};        // ... up to this
  // Counts into opusperf_cache_tier_requests_total{tier="redis",result=...} when set.
  Registry* metrics = nullptr;
};

struct RedisBlobStoreStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t stores = 0;
  std::uint64_t too_large = 0;   // puts dropped for max_value_bytes
  std::uint64_t fallbacks = 0;   // calls answered without Redis (down, slow, error reply)
  std::uint64_t reconnects = 0;  // connections made after the first
};

class RedisBlobStore {
 public:
  // Does not connect yet (the first call does). Throws InputError for an empty prefix or a zero
  // timeout.
  explicit RedisBlobStore(RedisBlobStoreOptions options);
  ~RedisBlobStore();
  RedisBlobStore(const RedisBlobStore&) = delete;
  RedisBlobStore& operator=(const RedisBlobStore&) = delete;

  // Returns the bytes stored under key, or nullopt (absent, or Redis unavailable: a fallback).
  std::optional<std::string> get(std::string_view key) noexcept;
  // Stores bytes under key with the TTL; drops them when too large or Redis is unavailable.
  void put(std::string_view key, std::string_view bytes) noexcept;

  RedisBlobStoreStats stats() const;
  // True while the last call reached Redis.
  bool available() const { return available_.load(std::memory_order_relaxed); }
  const RedisBlobStoreOptions& options() const { return options_; }

 private:
  enum class Outcome { kHit, kMiss, kStored, kTooLarge, kFallback };
  // Returns the connection, connecting if needed; null while backing off or when connect fails.
  RedisConnection* connection_locked();
  void failed_locked(const std::exception& e);
  // Runs call(connection) under the lock. No connection, a failure or an error reply: counts a
  // fallback (and backs off on a failure) and returns false.
  template <class Call>
  bool with_connection(Call&& call) noexcept;
  void count(Outcome o);

  const RedisBlobStoreOptions options_;
  mutable std::mutex mu_;
  std::unique_ptr<RedisConnection> connection_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::milliseconds backoff_{0};
  bool ever_connected_ = false;
  std::uint64_t outage_fallbacks_ = 0;
  std::atomic<bool> available_{true};
  std::atomic<std::uint64_t> counts_[5] = {};
  std::atomic<std::uint64_t> reconnects_{0};
  Counter* counters_[5] = {};
};

}  // namespace opusperf::distributed
