// put_frames / get_frames: the per-frame features in the binary encodings of Analysis and
// ChunkResult (binary_codec.h), written the same way in both.
//
//   put_frames(w, analysis.frames);
//   if (!get_frames(r, frames)) return std::nullopt;   // truncated or damaged
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "opusperf/video/binary_codec.h"
#include "opusperf/video/frame_features.h"

namespace opusperf::video {

inline void put_frames(BinaryWriter& w, const std::vector<FrameFeatures>& frames) {
  w.put<std::uint64_t>(frames.size());
  for (const FrameFeatures& f : frames) {
    w.put(f.time_s);
    w.put(f.content);
    w.put(f.motion);
    w.put(f.brightness);
    w.put(f.centroid_x);
  }
}

// Returns false when the bytes do not hold the count and that many frames.
inline bool get_frames(BinaryReader& r, std::vector<FrameFeatures>& frames) {
  constexpr std::size_t kFrameBytes = sizeof(double) + 4 * sizeof(float);
  std::uint64_t n = 0;
  if (!r.get(n) || !r.fits(n, kFrameBytes)) return false;
  frames.resize(n);
  for (FrameFeatures& f : frames) {
    if (!r.get(f.time_s) || !r.get(f.content) || !r.get(f.motion) || !r.get(f.brightness) ||
        !r.get(f.centroid_x)) {
      return false;
    }
  }
  return true;
}

}  // namespace opusperf::video
