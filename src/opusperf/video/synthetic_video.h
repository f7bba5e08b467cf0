// write_synthetic_video: makes a test video in-process with libavcodec (MPEG-4 part 2 video and
// AAC audio in MP4), with hard cuts, moving content and loud passages at known times. It is the
// clip pipeline's embedded default input, so `opusperf clip --out DIR` runs on a bare machine, and
// the ground truth of the pipeline's tests.
//
// Each shot has its own background (level, gradient direction, colour) and a square moving across
// it; the audio is a quiet tone with loud noise bursts in `loud` ranges. Deterministic: the same
// spec gives the same bytes (single-threaded encoders), so the feature cache hits on a rerun.
//
// Thread-safety: reentrant. Cost: encoding duration_s x fps frames (about 1 s for the default).
#pragma once

#include <filesystem>
#include <vector>

#include "opusperf/video/analysis.h"

namespace opusperf::video {

struct SyntheticVideoSpec {
  int width = 640;
  int height = 360;
  int fps = 25;
  double duration_s = 24;
  std::vector<double> cuts_s = {5.0, 11.0, 17.4};  // shot starts; each lands on a frame
  std::vector<TimeRange> loud = {{12.0, 15.0}};
  int audio_rate = 44100;
};

// Writes the video to `file` (MP4). Throws RuntimeError when encoding or writing fails.
void write_synthetic_video(const std::filesystem::path& file, const SyntheticVideoSpec& spec = {});

}  // namespace opusperf::video
