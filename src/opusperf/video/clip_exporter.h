// export_clip: cuts [start_s, end_s) out of a video into an MP4 (H.264 + AAC) and a JPEG
// thumbnail, frame-accurately: decoding starts at the keyframe before start_s and every frame is
// re-encoded, so the clip starts on the requested frame, not on a keyframe.
//
//   ExportResult r = export_clip({.source = "talk.mp4", .start_s = 12.5, .end_s = 27.0,
//                                 .video_out = "clip_01.mp4", .thumbnail_out = "clip_01.jpg"});
//
// The output has a constant frame rate (the source's), so its duration is frames / fps. With
// reframe_9_16 the picture is cropped to an exact 9:16 window whose centre follows `centroid_x`
// (smoothed), the motion centre from the analysis. The encoder is libx264 when libavcodec has it
// (Debian's does), else libavcodec's own H.264 or MPEG-4 encoder. The files are written in place:
// callers that need all-or-nothing output write into a staging folder and rename (clip_pipeline.h).
//
// Thread-safety: reentrant. Cost: decode + encode of the clip's frames plus up to one GOP before.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>

namespace opusperf::video {

struct ExportRequest {
  std::filesystem::path source;
  double start_s = 0;
  double end_s = 0;
  std::filesystem::path video_out;      // MP4
  std::filesystem::path thumbnail_out;  // JPEG; empty = none
  bool reframe_9_16 = false;
  // Motion centre (0 = left .. 1 = right) at a time in the source; used with reframe_9_16.
  std::function<double(double time_s)> centroid_x;
  int encoder_threads = 0;  // 0 = libav's choice
};

struct ExportResult {
  std::int64_t frames = 0;
  double duration_s = 0;  // frames / fps
  int width = 0;
  int height = 0;
  bool audio = false;
  std::string encoder;
};

// Writes the clip and thumbnail. Returns what was written. Throws InputError when the source is
// not a readable video, RuntimeError when encoding or writing fails or the range holds no frame.
// REQUIRES: start_s < end_s.
ExportResult export_clip(const ExportRequest& request);

}  // namespace opusperf::video
