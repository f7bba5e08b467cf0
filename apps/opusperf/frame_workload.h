// A real CPU workload shaped like the first stage of the clip pipeline, for `quickstart basic`:
// synthetic luma frames (a moving gradient with a bright block and noise), a 3x3 box blur, and the
// motion energy between consecutive frames (mean absolute difference). No I/O, deterministic for a
// seed. Not thread-safe per object; use one FrameWorkload per thread.
#pragma once

#include <cstdint>
#include <vector>

namespace opusperf::cli {

struct LumaFrame {
  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // width * height, row-major
};

class FrameWorkload {
 public:
  // REQUIRES: width >= 3, height >= 3.
  FrameWorkload(int width, int height, std::uint64_t seed);

  // Returns `count` consecutive frames starting at frame index `first`.
  std::vector<LumaFrame> generate(int first, int count);
  // Blurs each frame and returns the motion energy of each against the previous one (the first
  // frame of the whole run scores 0). Keeps the last blurred frame for the next batch.
  std::vector<double> analyse(const std::vector<LumaFrame>& frames);

 private:
  int width_;
  int height_;
  std::uint64_t rng_;
  LumaFrame previous_;  // last blurred frame, empty before the first batch
  LumaFrame scratch_;
};

}  // namespace opusperf::cli
