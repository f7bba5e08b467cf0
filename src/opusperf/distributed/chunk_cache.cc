#include "opusperf/distributed/chunk_cache.h"

#include <fstream>
#include <sstream>

#include "opusperf/core/atomic_file.h"
#include "opusperf/distributed/chunk_jobs.h"

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

RedisBlobStoreOptions shared_chunk_tier(const RedisEndpoint& endpoint, const std::string& ns,
                                        Registry* metrics) {
  RedisBlobStoreOptions o;
  o.endpoint = endpoint;
  o.key_prefix = StreamNames{ns}.chunk_prefix();
  o.metrics = metrics;
  return o;
}

std::uint64_t chunk_result_bytes(const video::ChunkResult& r) {
  std::uint64_t n = sizeof r + r.frames.size() * sizeof(video::FrameFeatures) +
                    r.first.pixels.size() + r.damaged.size() * sizeof(double) +
                    r.audio.size() * (sizeof(std::uint64_t) + sizeof(video::AudioSum) + 32);
  for (const video::LumaImage& img : r.tail)
    n += sizeof img + img.pixels.size();
  return n;
}

// The second tiers behind the local SmartCache: Redis first (shared), then the folder (this host).
class ChunkCache::Tiers final : public SecondTier<std::string, Result> {
 public:
  using Redis = RedisTier<std::string, Result>;

  Tiers(std::optional<RedisBlobStoreOptions> redis, std::filesystem::path disk_dir)
      : disk_dir_(std::move(disk_dir)) {
    if (redis) {
      Redis::Codec codec{.key = [](const std::string& k) { return k; },
                         .encode = [](const Result& r) { return encode(r); },
                         .decode = [](std::string_view bytes) { return decode(bytes); }};
      redis_ = std::make_unique<Redis>(std::move(*redis), std::move(codec));
    }
  }

  std::optional<Result> get(const std::string& key) override {
    if (redis_) {
      if (std::optional<Result> r = redis_->get(key)) return r;
    }
    if (disk_dir_.empty()) return std::nullopt;
    std::ifstream in(file_for(key), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream bytes;
    bytes << in.rdbuf();
    std::optional<Result> r = decode(bytes.str());
    if (r && redis_) redis_->put(key, *r);  // share what this host had
    return r;
  }

  void put(const std::string& key, const Result& value) noexcept override {
    if (redis_) redis_->put(key, value);
    if (disk_dir_.empty()) return;
    try {
      std::filesystem::create_directories(disk_dir_);
      write_file_atomically(file_for(key), encode(value));
    } catch (const std::exception&) {
      // A folder that cannot be written costs a later run decoding, not this one its result.
    }
  }

  Redis* redis() const { return redis_.get(); }

 private:
  static std::string encode(const Result& r) { return r ? video::serialize(*r) : std::string(); }
  static std::optional<Result> decode(std::string_view bytes) {
    std::optional<video::ChunkResult> r = video::deserialize_chunk(bytes);
    if (!r) return std::nullopt;
    return std::make_shared<const video::ChunkResult>(std::move(*r));
  }
  std::filesystem::path file_for(std::string key) const {
    for (char& c : key)
      if (c == '/') c = '_';
    return disk_dir_ / (key + ".chunk");
  }

  std::unique_ptr<Redis> redis_;
  const std::filesystem::path disk_dir_;
};

ChunkCache::ChunkCache(ChunkCacheOptions options) : local_(local_options(options.max_bytes)) {
  if (options.redis || !options.disk_dir.empty()) {
    tiers_ = std::make_shared<Tiers>(std::move(options.redis), std::move(options.disk_dir));
    local_.set_second_tier(tiers_);
  }
}

ChunkCache::Result ChunkCache::get_or_load(const std::string& key,
                                           const std::function<video::ChunkResult()>& load) {
  return *local_.get_or_load(
      key, [&load]() -> Result { return std::make_shared<const video::ChunkResult>(load()); });
}

std::optional<RedisBlobStoreStats> ChunkCache::tier_stats() const {
  if (!tiers_ || tiers_->redis() == nullptr) return std::nullopt;
  return tiers_->redis()->store().stats();
}

}  // namespace opusperf::distributed
