// Chunked analysis: the pieces analyze_video is built from, public so that chunks can be decoded
// anywhere (a thread, a WorkerPool, another process or host through src/opusperf/distributed) and
// cached one by one (SmartCache, a Redis tier), and still join into the Analysis of one
// sequential pass.
//
//   ChunkPlan plan = plan_chunks("talk.mp4", {.threads = 4});
//   std::vector<ChunkResult> parts;
//   for (const ChunkSpan& s : plan.chunks) parts.push_back(analyze_chunk("talk.mp4", s, 0.5));
//   Analysis a = join_chunks(plan.info, 0.5, std::move(parts));
//
// A chunk starts at a keyframe, so its decoder needs nothing from the chunk before. It keeps the
// small luma images of its first frame and of its last few frames, so the join can measure the
// content difference across the boundary and decide exactly where one chunk stops and the next
// begins (see join_chunks). ChunkResult has a compact, versioned binary encoding for caches and
// for results sent between processes.
//
// Thread-safety: pure functions; analyze_chunk opens its own decoder. Cost: analyze_chunk decodes
// the chunk's video and audio once; a result is ~24 bytes a frame plus a few 96-pixel-wide images.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/video/analysis.h"
#include "opusperf/video/frame_features.h"

namespace opusperf::video {

// A bound of a chunk in the video stream's time base; kOpenBound = the start / the end of the file.
inline constexpr std::int64_t kOpenBound = std::numeric_limits<std::int64_t>::min();

struct ChunkSpan {
  std::int64_t begin = kOpenBound;  // first video pts (inclusive)
  std::int64_t end = kOpenBound;    // last video pts (exclusive)
  bool operator==(const ChunkSpan&) const = default;
};

struct ChunkPlanOptions {
  unsigned threads = 2;            // decoders that will share the chunks; 1 = one chunk
  double min_chunk_s = 4.0;        // shortest chunk worth a decoder of its own
  unsigned chunks_per_thread = 3;  // so a slow chunk does not leave a thread idle at the end
  double max_chunk_s = 0;          // longest chunk wanted (0: no limit); min_chunk_s wins a tie
};

struct ChunkPlan {
  MediaInfo info;
  std::vector<ChunkSpan> chunks;  // in order, covering the whole file
};

struct AudioSum {
  double sum_squares = 0;
  std::uint64_t samples = 0;
};

struct ChunkResult {
  std::vector<FrameFeatures> frames;  // pts in [begin, end), then a few frames beyond end
  // The small images of frames[tail_from ..]: the last frame before end and those past it, one of
  // which the join keeps as the chunk's last.
  std::size_t tail_from = 0;
  std::vector<LumaImage> tail;
  LumaImage first;                          // image of frames[0]
  std::map<std::uint64_t, AudioSum> audio;  // by loudness window
  std::vector<double> damaged;              // times of undecodable packets/frames
  bool read_error = false;                  // reading stopped early (truncated file)
};

// Opens `path` once and splits it at keyframes into chunks of at least
// max(min_chunk_s, min(max_chunk_s, duration / (threads * chunks_per_thread))) seconds (no
// max_chunk_s limit when 0). Throws InputError when the file is not a readable video.
ChunkPlan plan_chunks(const std::filesystem::path& path, const ChunkPlanOptions& options);

// Decodes one chunk. `frames_done` (may be null) is incremented once per decoded video frame.
// Throws InputError when the file cannot be opened as a video.
ChunkResult analyze_chunk(const std::filesystem::path& path, const ChunkSpan& span,
                          double loudness_window_s,
                          std::atomic<std::uint64_t>* frames_done = nullptr);

// Joins the chunks of `plan` (results in plan order) into the analysis of one sequential pass.
// Throws InputError when no chunk decoded a frame.
Analysis join_chunks(MediaInfo info, double loudness_window_s, std::vector<ChunkResult> results);

// Returns the cache key of a chunk of the file with content key `content_key`
// (FeatureCache::content_key): the same bytes, span and window always give the same key.
std::string chunk_cache_key(std::string_view content_key, const ChunkSpan& span,
                            double loudness_window_s);

// Returns a compact binary encoding of `r` (versioned).
std::string serialize(const ChunkResult& r);
// Returns the chunk result encoded in `bytes`, or nullopt when they are not a complete encoding of
// this version.
std::optional<ChunkResult> deserialize_chunk(std::string_view bytes);

}  // namespace opusperf::video
