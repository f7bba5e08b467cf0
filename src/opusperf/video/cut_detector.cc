#include "opusperf/video/cut_detector.h"

#include <algorithm>

namespace opusperf::video {

std::vector<std::size_t> detect_cuts(const std::vector<FrameFeatures>& frames,
                                     const CutDetectorOptions& o) {
  const std::size_t n = frames.size();
  std::vector<std::size_t> candidates;
  // Fades: a run of black frames is one cut, where the picture comes back.
  std::vector<bool> in_fade(n, false);
  for (std::size_t i = 0; i < n;) {
    if (frames[i].brightness >= o.fade_black) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && frames[j].brightness < o.fade_black)
      ++j;
    // The transition into and out of black is part of the fade, not a cut of its own.
    const std::size_t lo = i >= static_cast<std::size_t>(o.window) ? i - o.window : 0;
    const std::size_t hi = std::min(n, j + static_cast<std::size_t>(o.window) + 1);
    for (std::size_t k = lo; k < hi; ++k)
      in_fade[k] = true;
    if (i > 0 && j < n) candidates.push_back(j);
    i = j;
  }
  const auto w = static_cast<std::ptrdiff_t>(o.window);
  for (std::size_t i = 1; i < n; ++i) {
    if (in_fade[i] || frames[i].content < o.min_content) continue;
    double sum = 0;
    int count = 0;
    for (std::ptrdiff_t k = -w; k <= w; ++k) {
      const std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i) + k;
      // Frame 0 has no difference of its own, so it is no neighbour.
      if (k == 0 || j < 1 || j >= static_cast<std::ptrdiff_t>(n)) continue;
      sum += frames[static_cast<std::size_t>(j)].content;
      ++count;
    }
    const double mean = count ? sum / count : 0;
    if (frames[i].content >= o.adaptive_ratio * mean) candidates.push_back(i);
  }
  std::sort(candidates.begin(), candidates.end());
  std::vector<std::size_t> cuts;
  std::size_t shot_start = 0;
  for (std::size_t c : candidates) {
    if (c - shot_start < static_cast<std::size_t>(o.min_shot_frames)) continue;
    cuts.push_back(c);
    shot_start = c;
  }
  return cuts;
}

}  // namespace opusperf::video
