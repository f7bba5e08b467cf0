// SecondTier<K, V>: a slower, shared cache behind a SmartCache (a Redis tier, see
// src/opusperf/distributed/redis_tier.h). When one is set, a get_or_load miss asks the tier before
// running the loader, and a value the loader made is written through to it, so a process whose
// local cache is cold still skips work another process already did.
//
//   cache.set_second_tier(std::make_shared<RedisTier<std::string, Features>>(...));
//   cache.get_or_load(key, load);   // local hit, else tier hit, else load (and write through)
//
// A tier never fails a request: get returns nullopt when the value is absent *or* the tier is
// unavailable, and put drops what it cannot store; a tier counts those cases itself. Plain get/put
// on the SmartCache do not touch the tier (they are the local, lock-free path).
//
// Thread-safety: implementations must be safe to call from many threads at once.
#pragma once

#include <optional>

namespace opusperf {

template <class K, class V>
class SecondTier {
 public:
  virtual ~SecondTier() = default;
  // Returns the tier's value for key, or nullopt (absent, undecodable or tier unavailable).
  virtual std::optional<V> get(const K& key) = 0;
  // Stores value under key, or drops it (too large, tier unavailable). Must not throw.
  virtual void put(const K& key, const V& value) noexcept = 0;
};

}  // namespace opusperf
