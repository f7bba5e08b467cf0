#include "opusperf/distributed/chunk_cache.h"

namespace opusperf::distributed {
namespace {

SmartCache<std::string, ChunkCache::Result>::Options local_options(std::uint64_t max_bytes) {
  SmartCache<std::string, ChunkCache::Result>::Options o;
  o.max_entries = 1u << 16;
  o.max_bytes = max_bytes;
  o.weigher = [](const std::string& key, const ChunkCache::Result& r) {
    return key.size() + (r ? chunk_result_bytes(*r) : 0);
  };
  return o;
}

}  // namespace

std::uint64_t chunk_result_bytes(const video::ChunkResult& r) {
  std::uint64_t n = sizeof r + r.frames.size() * sizeof(video::FrameFeatures) +
                    r.first.pixels.size() + r.damaged.size() * sizeof(double) +
                    r.audio.size() * (sizeof(std::uint64_t) + sizeof(video::AudioSum) + 32);
  for (const video::LumaImage& img : r.tail)
    n += sizeof img + img.pixels.size();
  return n;
}

ChunkCache::ChunkCache(ChunkCacheOptions options) : local_(local_options(options.max_bytes)) {
  if (options.redis) {
    Tier::Codec codec{
        .key = [](const std::string& k) { return k; },
        .encode = [](const Result& r) { return r ? video::serialize(*r) : std::string(); },
        .decode = [](std::string_view bytes) -> std::optional<Result> {
          std::optional<video::ChunkResult> r = video::deserialize_chunk(bytes);
          if (!r) return std::nullopt;
          return std::make_shared<const video::ChunkResult>(std::move(*r));
        }};
    tier_ = std::make_shared<Tier>(std::move(*options.redis), std::move(codec));
    local_.set_second_tier(tier_);
  }
}

ChunkCache::Result ChunkCache::get_or_load(const std::string& key,
                                           const std::function<video::ChunkResult()>& load) {
  return *local_.get_or_load(
      key, [&load]() -> Result { return std::make_shared<const video::ChunkResult>(load()); });
}

std::optional<RedisBlobStoreStats> ChunkCache::tier_stats() const {
  if (!tier_) return std::nullopt;
  return tier_->store().stats();
}

}  // namespace opusperf::distributed
