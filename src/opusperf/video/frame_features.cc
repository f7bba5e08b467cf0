#include "opusperf/video/frame_features.h"

#include <algorithm>
#include <cstdlib>

namespace opusperf::video {

LumaImage downscale_luma(const std::uint8_t* data, int stride, int width, int height,
                         int out_width) {
  LumaImage out;
  out.width = std::min(out_width, width);
  out.height = std::max(1, static_cast<int>(static_cast<long>(height) * out.width / width));
  // Large planes: every second row and column is plenty for a 96-wide average and halves the reads.
  const int step = width >= 4 * out.width ? 2 : 1;
  std::vector<int> column_cell(static_cast<std::size_t>(width));
  for (int x = 0; x < width; ++x)
    column_cell[x] = static_cast<int>(static_cast<long>(x) * out.width / width);
  std::vector<std::uint32_t> sum(static_cast<std::size_t>(out.width) * out.height, 0);
  std::vector<std::uint32_t> count(sum.size(), 0);
  std::vector<std::uint32_t> row_sum(static_cast<std::size_t>(out.width));
  std::vector<std::uint32_t> row_count(static_cast<std::size_t>(out.width));
  for (int y = 0; y < height; y += step) {
    const int cy = static_cast<int>(static_cast<long>(y) * out.height / height);
    const std::uint8_t* row = data + static_cast<std::ptrdiff_t>(y) * stride;
    std::fill(row_sum.begin(), row_sum.end(), 0);
    std::fill(row_count.begin(), row_count.end(), 0);
    for (int x = 0; x < width; x += step) {
      row_sum[column_cell[x]] += row[x];
      ++row_count[column_cell[x]];
    }
    std::uint32_t* s = &sum[static_cast<std::size_t>(cy) * out.width];
    std::uint32_t* c = &count[static_cast<std::size_t>(cy) * out.width];
    for (int cx = 0; cx < out.width; ++cx) {
      s[cx] += row_sum[cx];
      c[cx] += row_count[cx];
    }
  }
  out.pixels.resize(sum.size());
  for (std::size_t i = 0; i < sum.size(); ++i) {
    out.pixels[i] = static_cast<std::uint8_t>(count[i] ? (sum[i] + count[i] / 2) / count[i] : 0);
  }
  return out;
}

FrameFeatures compare_frames(const LumaImage& previous, const LumaImage& current) {
  FrameFeatures f;
  const std::size_t n = current.pixels.size();
  if (n == 0) return f;
  std::uint64_t luma = 0;
  for (std::uint8_t p : current.pixels)
    luma += p;
  f.brightness = static_cast<float>(static_cast<double>(luma) / n);
  if (previous.pixels.size() != n) return f;
  std::uint64_t diff_sum = 0;
  std::uint64_t moving = 0;
  double moving_x = 0;
  double moving_weight = 0;
  for (int y = 0; y < current.height; ++y) {
    for (int x = 0; x < current.width; ++x) {
      const std::size_t i = static_cast<std::size_t>(y) * current.width + x;
      const int d = std::abs(static_cast<int>(current.pixels[i]) - previous.pixels[i]);
      diff_sum += static_cast<unsigned>(d);
      if (d > kMotionPixelThreshold) {
        ++moving;
        moving_x += static_cast<double>(d) * (x + 0.5);
        moving_weight += d;
      }
    }
  }
  f.content = static_cast<float>(static_cast<double>(diff_sum) / n);
  f.motion = static_cast<float>(static_cast<double>(moving) / n);
  if (moving_weight > 0)
    f.centroid_x = static_cast<float>(moving_x / moving_weight / current.width);
  return f;
}

}  // namespace opusperf::video
