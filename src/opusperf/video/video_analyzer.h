// analyze_video: decodes a video once and returns its Analysis (per-frame luma features, audio
// loudness per window, skipped ranges), splitting the video at keyframes into chunks that are
// decoded in parallel.
//
//   std::atomic<std::uint64_t> done{0};
//   Analysis a = analyze_video("talk.mp4", {.threads = 2, .frames_done = &done});
//
// Each chunk starts at a keyframe, so its decoder needs nothing from the chunk before; the content
// difference of a chunk's first frame is measured against the previous chunk's last frame when the
// chunks are joined, so the result equals a sequential pass. Chunks run on `submit` when it is set
// (a service hands its WorkerPool: `opusperf clip` does, so the balancer picks the worker and the
// tuner sets how many chunks decode at once), else on `threads` plain std::threads taking chunks in
// order from a shared counter. The pieces (plan, chunk, join) are in chunk_analysis.h.
//
// Thread-safety: reentrant; `frames_done` is updated with relaxed atomics for a progress display.
// Cost: one decode of every video frame (loop filter skipped where the codec allows) and audio
// frame; memory is a few small luma images per thread plus 24 bytes a frame.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "opusperf/video/analysis.h"
#include "opusperf/video/chunk_analysis.h"

namespace opusperf::video {

struct AnalyzeOptions {
  // Chunks decoded at once; >= 1.
  unsigned threads = 2;
  // Shortest chunk worth a decoder of its own, in seconds of video.
  double min_chunk_s = 4.0;
  // Chunks per thread to aim for, so a slow chunk does not leave a thread idle at the end.
  unsigned chunks_per_thread = 3;
  // Incremented once per decoded video frame when not null.
  std::atomic<std::uint64_t>* frames_done = nullptr;
  // Runs one chunk's job somewhere and returns its completion (the job does not throw); empty =
  // the plain threads above. `threads` still sets how many chunks the video is cut into.
  std::function<std::future<void>(std::function<void()> job)> submit = nullptr;
  // A cache of chunk results (used when content_key is set too): called with a chunk's
  // chunk_cache_key and a loader that decodes it, it returns the result, keeping it for the next
  // call with that key. A service hands a SmartCache here (optionally with a Redis second tier):
  // `opusperf clip` does, so a run on a file whose chunks another run decoded skips them.
  std::function<std::shared_ptr<const ChunkResult>(const std::string& key,
                                                   const std::function<ChunkResult()>& load)>
      chunk_cache = nullptr;
  std::string content_key = {};  // FeatureCache::content_key of the file, for chunk_cache
  // Incremented once per chunk actually decoded (not served by chunk_cache) when not null.
  std::atomic<unsigned>* chunks_decoded = nullptr;
};

// Returns the analysis of `path`. Throws InputError (naming the file and reason) when the file is
// not a readable video; damaged or truncated parts are skipped and reported in Analysis::skipped.
Analysis analyze_video(const std::filesystem::path& path, const AnalyzeOptions& options);

}  // namespace opusperf::video
