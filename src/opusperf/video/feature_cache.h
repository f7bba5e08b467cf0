// FeatureCache: the on-disk cache of Analysis results, keyed by the content of the video file, so
// a second run on the same bytes (under any name) skips decoding.
//
//   FeatureCache cache(FeatureCache::default_dir());
//   const std::string key = FeatureCache::content_key("talk.mp4");
//   if (auto a = cache.load(key)) ... else cache.store(key, analyze_video(...));
//
// One file an entry, "<key>.features", written atomically (write_file_atomically), so concurrent
// runs and crashes leave either a whole entry or none; an entry that does not decode (another
// version, damage) is a miss. This is a plain folder of files; a SmartCache fronts it as the
// in-memory tier through ClipPipelineOptions::memory_tier (see quickstart_video.cc).
//
// Thread-safety: load/store may run from many threads and processes. Cost: content_key reads the
// whole file once (a 64-bit hash at memory speed); load/store one file read/write.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "opusperf/video/analysis.h"

namespace opusperf::video {

class FeatureCache {
 public:
  explicit FeatureCache(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // Returns $XDG_CACHE_HOME/opusperf, else $HOME/.cache/opusperf, else <tmp>/opusperf-cache.
  static std::filesystem::path default_dir();
  // Returns a key for the file's bytes: 16 hex digits of a 64-bit hash, the size, and the
  // analysis format version. Throws InputError when the file cannot be read.
  static std::string content_key(const std::filesystem::path& file);

  // Returns the cached analysis for `key`, or nullopt (absent, unreadable or stale).
  std::optional<Analysis> load(const std::string& key) const;
  // Stores `analysis` under `key`. Throws RuntimeError when the folder cannot be written.
  void store(const std::string& key, const Analysis& analysis) const;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace opusperf::video
