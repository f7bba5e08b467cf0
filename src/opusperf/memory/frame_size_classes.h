// Frame sizes: how many bytes a raw video frame takes, and the size classes a BufferPool keeps for
// the formats and resolutions the clip pipeline handles.
//
//   std::size_t n = frame_bytes(1920, 1080, PixelFormat::kRgb24);   // 6'220'800
//   BufferPoolOptions o;  o.size_classes = default_frame_size_classes();
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace opusperf {

enum class PixelFormat {
  kNv12,   // 8-bit luma plane + interleaved 2x2-subsampled chroma: 1.5 bytes a pixel
  kRgb24,  // packed 8-bit R, G, B: 3 bytes a pixel
};

// Returns "nv12" or "rgb24".
std::string_view to_string(PixelFormat format);

// Returns the bytes of one frame of width x height in `format`.
// REQUIRES: width, height > 0; for NV12 both even (chroma is subsampled 2x2).
std::size_t frame_bytes(int width, int height, PixelFormat format);

// A named frame shape, for tables and benchmarks.
struct FrameShape {
  std::string_view name;  // e.g. "1080p rgb24"
  int width;
  int height;
  PixelFormat format;
  std::size_t bytes() const { return frame_bytes(width, height, format); }
};

// Returns NV12 and RGB24 at 720p, 1080p and 4K (2160p), smallest first.
const std::vector<FrameShape>& standard_frame_shapes();
// Returns the byte sizes of standard_frame_shapes(), ascending: BufferPoolOptions' default classes.
std::vector<std::size_t> default_frame_size_classes();

}  // namespace opusperf
