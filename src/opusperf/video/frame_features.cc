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
  // Column x belongs to cell floor(x * out.width / width), so each cell is one run of columns,
  // [cell_begin[c], cell_begin[c + 1]): summing runs keeps the inner loop free of the scattered
  // read-modify-writes a per-pixel cell lookup makes (a quarter of the analysis time when it did).
  std::vector<int> cell_begin(static_cast<std::size_t>(out.width) + 1);
  for (int c = 0; c <= out.width; ++c) {
    const long b = (static_cast<long>(c) * width + out.width - 1) / out.width;  // ceil
    cell_begin[static_cast<std::size_t>(c)] = static_cast<int>((b + step - 1) / step * step);
  }
  std::vector<std::uint32_t> sum(static_cast<std::size_t>(out.width) * out.height, 0);
  std::vector<std::uint32_t> count(sum.size(), 0);
  for (int y = 0; y < height; y += step) {
    const int cy = static_cast<int>(static_cast<long>(y) * out.height / height);
    const std::uint8_t* row = data + static_cast<std::ptrdiff_t>(y) * stride;
    std::uint32_t* s = &sum[static_cast<std::size_t>(cy) * out.width];
    std::uint32_t* n = &count[static_cast<std::size_t>(cy) * out.width];
    for (int cx = 0; cx < out.width; ++cx) {
      const int begin = cell_begin[static_cast<std::size_t>(cx)];
      const int end = std::min(cell_begin[static_cast<std::size_t>(cx) + 1], width);
      std::uint32_t run = 0;
      for (int x = begin; x < end; x += step)
        run += row[x];
      s[cx] += run;
      n[cx] += static_cast<std::uint32_t>((end - begin + step - 1) / step);
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
