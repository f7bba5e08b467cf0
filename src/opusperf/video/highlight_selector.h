// select_highlights: ranks windows of an analysed video and returns the top K non-overlapping
// clips.
//
// A window's score (0..1) is kLoudnessWeight x its mean loudness + kMotionWeight x its mean motion
// + kCutWeight x its cut density, each normalised over the whole video: loudness maps the video's
// quietest..loudest window to 0..1, motion is divided by the video's 95th percentile (capped at 1),
// cut density counts one cut per kCutsPerSecondForFull seconds as full. Candidates start at every
// shot boundary and every half second, with lengths min_len, the midpoint and max_len; an edge
// within `snap_s` of a cut moves onto the cut when the length stays within [min_len, max_len]. The
// best candidates are taken greedily, skipping any that overlaps one already taken.
//
// Thread-safety: pure function. Cost: O(frames x candidate lengths).
#pragma once

#include <cstddef>
#include <vector>

#include "opusperf/video/analysis.h"

namespace opusperf::video {

struct HighlightOptions {
  int clips = 3;          // K; >= 1
  double min_len_s = 5;   // > 0
  double max_len_s = 30;  // >= min_len_s
  double snap_s = 1.0;    // how far an edge moves to reach a cut
};

struct Highlight {
  std::size_t first_frame = 0;  // inclusive
  std::size_t end_frame = 0;    // exclusive
  double start_s = 0;           // time of first_frame
  double end_s = 0;             // time of end_frame (or the end of the last frame)
  double score = 0;             // 0..1
};

inline constexpr double kLoudnessWeight = 0.45;
inline constexpr double kMotionWeight = 0.40;
inline constexpr double kCutWeight = 0.15;
inline constexpr double kCutsPerSecondForFull = 1.0 / 3.0;

// Returns up to `options.clips` clips, best first. Videos shorter than min_len give one clip of
// the whole video. `cuts` are frame indices as detect_cuts() returns them.
// REQUIRES: options valid as documented above.
std::vector<Highlight> select_highlights(const Analysis& analysis,
                                         const std::vector<std::size_t>& cuts,
                                         const HighlightOptions& options);

}  // namespace opusperf::video
