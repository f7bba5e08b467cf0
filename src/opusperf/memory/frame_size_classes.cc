#include "opusperf/memory/frame_size_classes.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace opusperf {

std::string_view to_string(PixelFormat format) {
  return format == PixelFormat::kNv12 ? "nv12" : "rgb24";
}

std::size_t frame_bytes(int width, int height, PixelFormat format) {
  if (width <= 0 || height <= 0) {
    throw std::invalid_argument("frame_bytes: width and height must be positive, got " +
                                std::to_string(width) + "x" + std::to_string(height));
  }
  const auto pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  switch (format) {
    case PixelFormat::kNv12:
      if (width % 2 != 0 || height % 2 != 0) {
        throw std::invalid_argument("frame_bytes: NV12 needs even width and height, got " +
                                    std::to_string(width) + "x" + std::to_string(height));
      }
      return pixels + pixels / 2;
    case PixelFormat::kRgb24:
      return pixels * 3;
  }
  throw std::invalid_argument("frame_bytes: unknown pixel format");
}

const std::vector<FrameShape>& standard_frame_shapes() {
  static const std::vector<FrameShape> shapes = [] {
    std::vector<FrameShape> s = {
        {"720p nv12", 1280, 720, PixelFormat::kNv12},
        {"720p rgb24", 1280, 720, PixelFormat::kRgb24},
        {"1080p nv12", 1920, 1080, PixelFormat::kNv12},
        {"1080p rgb24", 1920, 1080, PixelFormat::kRgb24},
        {"4k nv12", 3840, 2160, PixelFormat::kNv12},
        {"4k rgb24", 3840, 2160, PixelFormat::kRgb24},
    };
    std::sort(s.begin(), s.end(),
              [](const FrameShape& a, const FrameShape& b) { return a.bytes() < b.bytes(); });
    return s;
  }();
  return shapes;
}

std::vector<std::size_t> default_frame_size_classes() {
  std::vector<std::size_t> out;
  for (const FrameShape& s : standard_frame_shapes())
    out.push_back(s.bytes());
  return out;
}

}  // namespace opusperf
