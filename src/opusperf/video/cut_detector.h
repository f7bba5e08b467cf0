// detect_cuts: finds hard cuts and fades in a sequence of FrameFeatures.
//
// Hard cuts use an adaptive threshold, as PySceneDetect's AdaptiveDetector does: a frame is a cut
// when its content difference is at least `adaptive_ratio` times the mean difference of the
// `window` frames on each side (so steady motion, which raises every frame's difference, does not
// fire) and at least `min_content` in absolute terms. A fade (brightness below `fade_black`, then
// back) is one cut, at the first frame after the dark run; hard cuts inside a fade are not counted
// again. Cuts closer than `min_shot_frames` to the previous one are dropped.
//
// Thread-safety: pure function. Cost: O(frames).
#pragma once

#include <cstddef>
#include <vector>

#include "opusperf/video/frame_features.h"

namespace opusperf::video {

struct CutDetectorOptions {
  double adaptive_ratio = 3.0;  // frame difference / neighbours' mean; PySceneDetect's default 3.0
  int window = 2;               // neighbours on each side; PySceneDetect's default 2
  double min_content = 12.0;    // absolute floor of a cut's mean luma difference (0..255)
  int min_shot_frames = 15;     // shortest shot; PySceneDetect's min_scene_len default 15
  double fade_black = 16.0;     // mean luma (0..255) under which a frame counts as black
};

// Returns the indices of the frames that start a new shot, ascending (frame 0 is never one).
std::vector<std::size_t> detect_cuts(const std::vector<FrameFeatures>& frames,
                                     const CutDetectorOptions& options = {});

}  // namespace opusperf::video
