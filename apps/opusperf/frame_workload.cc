#include "frame_workload.h"

#include <cstdlib>
#include <stdexcept>

namespace opusperf::cli {
namespace {

void box_blur3(const LumaFrame& src, LumaFrame& dst) {
  dst.width = src.width;
  dst.height = src.height;
  dst.pixels.resize(src.pixels.size());
  const int w = src.width;
  const std::uint8_t* s = src.pixels.data();
  std::uint8_t* d = dst.pixels.data();
  for (int y = 0; y < src.height; ++y) {
    const int y0 = y > 0 ? y - 1 : 0;
    const int y1 = y + 1 < src.height ? y + 1 : y;
    for (int x = 0; x < w; ++x) {
      const int x0 = x > 0 ? x - 1 : 0;
      const int x1 = x + 1 < w ? x + 1 : x;
      unsigned sum = 0;
      for (int yy : {y0, y, y1}) {
        const std::uint8_t* row = s + yy * w;
        sum += row[x0] + row[x] + row[x1];
      }
      d[y * w + x] = static_cast<std::uint8_t>(sum / 9);
    }
  }
}

double mean_abs_diff(const LumaFrame& a, const LumaFrame& b) {
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) {
    total += static_cast<std::uint64_t>(std::abs(int(a.pixels[i]) - int(b.pixels[i])));
  }
  return a.pixels.empty() ? 0.0 : static_cast<double>(total) / static_cast<double>(a.pixels.size());
}

}  // namespace

FrameWorkload::FrameWorkload(int width, int height, std::uint64_t seed)
    : width_(width), height_(height), rng_(seed | 1) {
  if (width < 3 || height < 3)
    throw std::invalid_argument("FrameWorkload: frames must be at least 3x3");
}

std::vector<LumaFrame> FrameWorkload::generate(int first, int count) {
  std::vector<LumaFrame> frames(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    LumaFrame& f = frames[static_cast<std::size_t>(i)];
    f.width = width_;
    f.height = height_;
    f.pixels.resize(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_));
    const int t = first + i;
    const int block_x = (t * 7) % (width_ - width_ / 8);
    const int block_y = (t * 3) % (height_ - height_ / 8);
    for (int y = 0; y < height_; ++y) {
      for (int x = 0; x < width_; ++x) {
        rng_ ^= rng_ << 13;  // xorshift64: cheap noise
        rng_ ^= rng_ >> 7;
        rng_ ^= rng_ << 17;
        int v = ((x + t * 4) & 255) / 2 + static_cast<int>(rng_ & 15);
        if (x >= block_x && x < block_x + width_ / 8 && y >= block_y && y < block_y + height_ / 8)
          v += 96;
        f.pixels[static_cast<std::size_t>(y) * width_ + x] =
            static_cast<std::uint8_t>(v > 255 ? 255 : v);
      }
    }
  }
  return frames;
}

std::vector<double> FrameWorkload::analyse(const std::vector<LumaFrame>& frames) {
  std::vector<double> motion;
  motion.reserve(frames.size());
  for (const LumaFrame& f : frames) {
    box_blur3(f, scratch_);
    motion.push_back(previous_.pixels.empty() ? 0.0 : mean_abs_diff(scratch_, previous_));
    std::swap(previous_, scratch_);
  }
  return motion;
}

}  // namespace opusperf::cli
