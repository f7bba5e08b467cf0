// Analysis: what the clip pipeline knows about a video after one decoding pass: per-frame features,
// audio loudness per window and the ranges that could not be decoded. It is the unit the feature
// cache stores (serialize / deserialize), so a second run on the same file skips decoding.
//
// Thread-safety: a plain value type.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/video/frame_features.h"
#include "opusperf/video/media_source.h"

namespace opusperf::video {

struct TimeRange {
  double start_s = 0;
  double end_s = 0;
  bool operator==(const TimeRange&) const = default;
};

struct Analysis {
  MediaInfo info;
  std::vector<FrameFeatures> frames;  // every decoded video frame, ascending time
  double loudness_window_s = 0.5;
  // Audio loudness of each window (RMS in dBFS, kSilenceDb when silent or no audio).
  std::vector<float> loudness_db;
  // Ranges that could not be decoded (damaged packets, corrupt frames, a truncated tail).
  std::vector<TimeRange> skipped;
  int chunks = 0;  // chunks the decoding was split into

  static constexpr float kSilenceDb = -100.0f;

  // Returns the loudness (dBFS) at time `t`; kSilenceDb outside the audio.
  float loudness_at(double t) const;
};

// Returns a compact binary encoding of `a` (the feature-cache format, versioned).
std::string serialize(const Analysis& a);
// Returns the analysis encoded in `bytes`, or nullopt when the bytes are not a complete encoding of
// this version (a stale or damaged cache file).
std::optional<Analysis> deserialize(std::string_view bytes);

}  // namespace opusperf::video
