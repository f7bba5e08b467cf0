// Per-frame features on downscaled luma: the content difference that finds cuts, the motion energy
// and centroid that rank highlights and steer the 9:16 crop, and the brightness that finds fades.
//
//   LumaImage small = downscale_luma(frame->data[0], frame->linesize[0], w, h, kFeatureWidth);
//   FrameFeatures f = compare_frames(previous_small, small);
//
// Working on a small grey image (kFeatureWidth columns, aspect kept) instead of full RGB keeps the
// cost per frame to one strided pass over the luma plane plus a few thousand pixel operations.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <vector>

namespace opusperf::video {

// Columns of the analysis image; rows follow the aspect ratio.
inline constexpr int kFeatureWidth = 96;
// A pixel whose luma changed by more than this (0..255) between frames counts as moving.
inline constexpr int kMotionPixelThreshold = 20;

struct LumaImage {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // row-major, width * height
  bool empty() const { return pixels.empty(); }
};

struct FrameFeatures {
  double time_s = 0;       // presentation time
  float content = 0;       // mean absolute luma difference to the previous frame, 0..255
  float motion = 0;        // share of pixels that moved (changed > kMotionPixelThreshold), 0..1
  float brightness = 0;    // mean luma, 0..255
  float centroid_x = 0.5;  // horizontal centre of the motion, 0 (left) .. 1 (right)
};

// Returns the box-averaged downscale of an 8-bit luma plane to `out_width` columns (rows keep the
// aspect ratio, at least 1). Samples every second pixel of large planes.
// REQUIRES: width, height, out_width >= 1; data holds height rows of `stride` bytes.
LumaImage downscale_luma(const std::uint8_t* data, int stride, int width, int height,
                         int out_width = kFeatureWidth);

// Returns the features of `current` measured against `previous` (time_s left 0). With an empty
// `previous` (the first frame), content and motion are 0.
// REQUIRES: both images of the same size when `previous` is not empty.
FrameFeatures compare_frames(const LumaImage& previous, const LumaImage& current);

}  // namespace opusperf::video
