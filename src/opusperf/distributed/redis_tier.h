// RedisTier<K, V>: a SmartCache second tier (cache/second_tier.h) in Redis, shared by every process
// that points at the same server and prefix. The caller's codec turns keys into strings and values
// into bytes and back; a value that does not decode is a miss. Redis being down or slow is a
// counted, logged fallback to the local cache, never an error (RedisBlobStore).
//
//   RedisTier<std::string, ChunkResult>::Codec codec{
//       .key = [](const std::string& k) { return k; },
//       .encode = [](const ChunkResult& r) { return video::serialize(r); },
//       .decode = [](std::string_view b) { return video::deserialize_chunk(b); }};
//   auto tier = std::make_shared<RedisTier<std::string, ChunkResult>>(store_options, codec);
//   cache.set_second_tier(tier);     // cache: SmartCache<std::string, ChunkResult>
//   tier->store().stats().fallbacks;
//
// Thread-safety: as RedisBlobStore. Cost: one round trip and one encode or decode per call.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "opusperf/cache/second_tier.h"
#include "opusperf/distributed/redis_blob_store.h"

namespace opusperf::distributed {

template <class K, class V>
class RedisTier final : public SecondTier<K, V> {
 public:
  struct Codec {
    std::function<std::string(const K&)> key;
    std::function<std::string(const V&)> encode;
    std::function<std::optional<V>(std::string_view)> decode;
  };

  // REQUIRES (else throws InputError): every codec function set; see RedisBlobStore for options.
  RedisTier(RedisBlobStoreOptions options, Codec codec)
      : store_(std::move(options)), codec_(std::move(codec)) {
    if (!codec_.key || !codec_.encode || !codec_.decode)
      throw InputError("RedisTier: the codec needs key, encode and decode functions");
  }

  std::optional<V> get(const K& key) override {
    std::optional<std::string> bytes = store_.get(codec_.key(key));
    if (!bytes) return std::nullopt;
    return codec_.decode(*bytes);
  }
  void put(const K& key, const V& value) noexcept override {
    try {
      store_.put(codec_.key(key), codec_.encode(value));
    } catch (...) {
      // A codec that throws (out of memory) costs the next reader a load, not this one its value.
    }
  }

  RedisBlobStore& store() { return store_; }

 private:
  RedisBlobStore store_;
  Codec codec_;
};

}  // namespace opusperf::distributed
