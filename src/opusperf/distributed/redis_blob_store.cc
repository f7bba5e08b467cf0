#include "opusperf/distributed/redis_blob_store.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace opusperf::distributed {

RedisBlobStore::RedisBlobStore(RedisBlobStoreOptions options) : options_(std::move(options)) {
  if (options_.key_prefix.empty()) throw InputError("Redis tier: the key prefix must not be empty");
  if (options_.timeout.count() <= 0) throw InputError("Redis tier: the timeout must be above 0");
  if (options_.metrics != nullptr) {
    Family<Counter>& family = options_.metrics->counter(
        "opusperf_cache_tier_requests_total",
        "Requests to a cache's second tier by result (fallback: answered without the tier)",
        {"tier", "result"});
    const char* names[5] = {"hit", "miss", "stored", "too_large", "fallback"};
    for (int i = 0; i < 5; ++i)
      counters_[i] = &family.with({"redis", names[i]});
  }
}

RedisBlobStore::~RedisBlobStore() = default;

void RedisBlobStore::count(Outcome o) {
  const auto i = static_cast<std::size_t>(o);
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  if (counters_[i] != nullptr) counters_[i]->inc();
}

RedisConnection* RedisBlobStore::connection_locked() {
  if (connection_ && !connection_->broken()) return connection_.get();
  connection_.reset();
  const auto now = std::chrono::steady_clock::now();
  if (now < retry_at_) return nullptr;
  try {
    connection_ = std::make_unique<RedisConnection>(options_.endpoint, options_.timeout);
  } catch (const std::exception& e) {
    failed_locked(e);
    return nullptr;
  }
  if (ever_connected_) reconnects_.fetch_add(1, std::memory_order_relaxed);
  if (!available_.load(std::memory_order_relaxed)) {
    spdlog::info("Redis tier at {} is back after {} fallbacks", options_.endpoint.url(),
                 outage_fallbacks_);
  }
  ever_connected_ = true;
  backoff_ = std::chrono::milliseconds(0);
  outage_fallbacks_ = 0;
  available_.store(true, std::memory_order_relaxed);
  return connection_.get();
}

void RedisBlobStore::failed_locked(const std::exception& e) {
  connection_.reset();
  backoff_ =
      backoff_.count() == 0 ? options_.min_retry : std::min(backoff_ * 2, options_.max_retry);
  retry_at_ = std::chrono::steady_clock::now() + backoff_;
  if (available_.exchange(false, std::memory_order_relaxed)) {
    spdlog::warn(
        "Redis tier unavailable ({}); using the local cache only, retrying in the "
        "background",
        e.what());
  }
}

template <class Call>
bool RedisBlobStore::with_connection(Call&& call) noexcept {
  std::lock_guard lock(mu_);
  try {
    RedisConnection* c = connection_locked();
    if (c == nullptr) {
      ++outage_fallbacks_;
      count(Outcome::kFallback);
      return false;
    }
    call(*c);
    return true;
  } catch (const RedisReplyError& e) {
    spdlog::warn("Redis tier: {}", e.what());
  } catch (const std::exception& e) {
    failed_locked(e);
    ++outage_fallbacks_;
  }
  count(Outcome::kFallback);
  return false;
}

std::optional<std::string> RedisBlobStore::get(std::string_view key) noexcept {
  std::optional<std::string> out;
  with_connection([&](RedisConnection& c) {
    RedisValue v = c.command({"GET", options_.key_prefix + std::string(key)});
    if (v.type != RedisValue::Type::kString) {
      count(Outcome::kMiss);
      return;
    }
    count(Outcome::kHit);
    out = std::move(v.str);
  });
  return out;
}

void RedisBlobStore::put(std::string_view key, std::string_view bytes) noexcept {
  if (bytes.size() > options_.max_value_bytes) {
    count(Outcome::kTooLarge);
    return;
  }
  with_connection([&](RedisConnection& c) {
    const std::string full = options_.key_prefix + std::string(key);
    if (options_.ttl.count() > 0) {
      c.command({"SET", full, bytes, "EX", std::to_string(options_.ttl.count())});
    } else {
      c.command({"SET", full, bytes});
    }
    count(Outcome::kStored);
  });
}

RedisBlobStoreStats RedisBlobStore::stats() const {
  RedisBlobStoreStats s;
  s.hits = counts_[0].load(std::memory_order_relaxed);
  s.misses = counts_[1].load(std::memory_order_relaxed);
  s.stores = counts_[2].load(std::memory_order_relaxed);
  s.too_large = counts_[3].load(std::memory_order_relaxed);
  s.fallbacks = counts_[4].load(std::memory_order_relaxed);
  s.reconnects = reconnects_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace opusperf::distributed
