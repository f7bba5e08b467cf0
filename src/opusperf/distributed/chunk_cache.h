// ChunkCache: decoded chunk results (video/chunk_analysis.h) in a SmartCache keyed by content and
// chunk, with second tiers behind it: Redis, shared by every process on the same server, and/or a
// folder of one file per chunk, so a run that was interrupted resumes without decoding the chunks
// it finished. A chunk decoded once is not decoded again. `opusperf clip` and `opusperf worker` use
// it; analyze_video takes it as AnalyzeOptions::chunk_cache.
//
//   ChunkCache cache({.max_bytes = 256 << 20, .redis = RedisBlobStoreOptions{...},
//                     .disk_dir = cache_dir / "chunks"});
//   auto r = cache.get_or_load(chunk_cache_key(content_key, span, 0.5),
//                              [&] { return analyze_chunk(path, span, 0.5); });
//   cache.tier_stats()->fallbacks;   // requests answered without Redis
//
// A lookup asks the local cache, then Redis, then the folder; a decoded chunk is written to all.
// Chunk files are written atomically (write_file_atomically); one that does not decode is a miss.
//
// Thread-safety: every method may be called from many threads (SmartCache, RedisBlobStore).
// Cost: a local hit is a SmartCache hit; a tier hit one Redis round trip and a decode of ~24 bytes
// a frame.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "opusperf/cache/smart_cache.h"
#include "opusperf/distributed/redis_blob_store.h"
#include "opusperf/distributed/redis_tier.h"
#include "opusperf/video/chunk_analysis.h"

namespace opusperf::distributed {

struct ChunkCacheOptions {
  std::uint64_t max_bytes = 256u << 20;        // local capacity, weighed by each result's size
  std::optional<RedisBlobStoreOptions> redis;  // none = no Redis tier
  std::filesystem::path disk_dir;              // empty = no folder tier
};

class ChunkCache {
 public:
  using Result = std::shared_ptr<const video::ChunkResult>;
  using LoadFunction = std::function<Result(const std::string& key,
                                            const std::function<video::ChunkResult()>& load)>;

  explicit ChunkCache(ChunkCacheOptions options);

  // Returns key's chunk result: local cache, else Redis tier, else load() (written to both).
  Result get_or_load(const std::string& key, const std::function<video::ChunkResult()>& load);
  // This cache as the function AnalyzeOptions::chunk_cache / ChunkWorkerOptions::chunk_cache take.
  LoadFunction as_function() {
    return [this](const std::string& key, const std::function<video::ChunkResult()>& load) {
      return get_or_load(key, load);
    };
  }

  CacheStats local_stats() const { return local_.stats(); }
  // The Redis tier's counters; nullopt without a tier.
  std::optional<RedisBlobStoreStats> tier_stats() const;

 private:
  class Tiers;
  SmartCache<std::string, Result> local_;
  std::shared_ptr<Tiers> tiers_;
};

// Returns the options of the Redis chunk tier that every process under namespace `ns` shares
// (keys StreamNames::chunk_prefix()), counting into `metrics` when not null.
RedisBlobStoreOptions shared_chunk_tier(const RedisEndpoint& endpoint, const std::string& ns,
                                        Registry* metrics);

// Returns the bytes a chunk result holds (its weight in the local cache).
std::uint64_t chunk_result_bytes(const video::ChunkResult& r);

}  // namespace opusperf::distributed
