// ClipPipeline: a long video in, ranked highlight clips out. The steps are analyze (decode once,
// in parallel chunks, through the feature cache), detect_cuts, select_highlights and export_clip,
// and the result is the JSON object `opusperf clip --json` prints (also saved as manifest.json).
//
//   ClipPipelineOptions o;
//   o.video = "talk.mp4";  o.out_dir = "clips";  o.clips = 3;
//   nlohmann::json result = run_clip_pipeline(o);
//
// Output is all or nothing: clips, thumbnails and the manifest are written into a staging folder
// inside out_dir and renamed into place only when every one is complete; a failed run removes the
// staging folder and leaves out_dir as it was. With no video, a synthetic one (synthetic_video.h)
// is made in a temp file and removed afterwards.
//
// Thread-safety: reentrant; `progress` is called on the calling thread. Cost: see analyze_video
// and export_clip; a feature-cache hit costs one read of the file for its content hash.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "opusperf/video/analysis.h"
#include "opusperf/video/chunk_analysis.h"
#include "opusperf/video/cut_detector.h"

namespace opusperf::video {

struct ClipProgress {
  std::string stage;  // "analyze" or "export"
  std::uint64_t done = 0;
  std::uint64_t total = 0;  // 0 when unknown
  double elapsed_s = 0;
};

struct ClipPipelineOptions {
  std::optional<std::filesystem::path> video;  // none = the embedded synthetic video
  std::filesystem::path out_dir;               // required unless analyze_only
  int clips = 3;                               // K, 1 .. 100
  double min_len_s = 5;                        // > 0
  double max_len_s = 30;                       // >= min_len_s
  bool reframe_9_16 = false;
  bool analyze_only = false;
  std::filesystem::path cache_dir;  // empty = FeatureCache::default_dir()
  bool use_cache = true;            // false: neither read nor write the feature cache
  unsigned threads = 0;             // analysis chunks at once; 0 = hardware threads
  CutDetectorOptions cuts;
  std::function<void(const ClipProgress&)> progress;
  // An in-memory tier in front of the on-disk feature cache (used only with use_cache): called
  // with the file's content key and a loader (disk cache, else decoding), it returns the analysis,
  // keeping it for the next call with the same key. A service hands a SmartCache here, e.g.
  //   auto memo = cache_result(cache, [](const std::string&, const auto& load) { ... }, ttl);
  // as `opusperf quickstart video` does; empty = the disk cache alone.
  std::function<std::shared_ptr<const Analysis>(const std::string& key,
                                                const std::function<Analysis()>& load)>
      memory_tier = nullptr;
  // Where analysis chunks run (AnalyzeOptions::submit); empty = `threads` plain threads.
  std::function<std::future<void>(std::function<void()> job)> submit_chunk = nullptr;
  // A cache of chunk results keyed by content and chunk (AnalyzeOptions::chunk_cache), used with
  // use_cache when the file is decoded: `opusperf clip` hands a SmartCache, with a Redis second
  // tier under --cache-tier, so chunks another run decoded are not decoded again.
  std::function<std::shared_ptr<const ChunkResult>(const std::string& key,
                                                   const std::function<ChunkResult()>& load)>
      chunk_cache = nullptr;
  // Analyses the video somewhere else instead of analyze_video (`opusperf clip --distributed`
  // hands distributed::analyze_distributed): called with the video, its content key and a counter
  // of frames done for the progress display; it sets `chunks_decoded` to the chunks that were
  // decoded rather than served by a cache.
  std::function<Analysis(const std::filesystem::path& video, const std::string& content_key,
                         std::atomic<std::uint64_t>& frames_done, unsigned& chunks_decoded)>
      analyze = nullptr;
};

// Runs the pipeline. Returns {"video", "duration_s", "frames", "fps", "cuts", "clips",
// "skipped", "timing"} as documented in the CLI. Throws InputError for bad options or an input
// that is not a video (nothing is written then), RuntimeError when export fails.
nlohmann::json run_clip_pipeline(const ClipPipelineOptions& options);

// Throws InputError naming the field when an option is out of range.
void validate(const ClipPipelineOptions& options);

}  // namespace opusperf::video
