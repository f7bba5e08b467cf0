#include "opusperf/video/cut_detector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace opusperf::video {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Frames at 25 fps with the given content difference everywhere and brightness 100.
std::vector<FrameFeatures> steady(std::size_t n, float content) {
  std::vector<FrameFeatures> f(n);
  for (std::size_t i = 0; i < n; ++i) {
    f[i].time_s = i / 25.0;
    f[i].content = i == 0 ? 0 : content;
    f[i].brightness = 100;
  }
  return f;
}

TEST(DetectCuts, OneSpikeIsOneCut) {
  auto f = steady(100, 2);
  f[40].content = 60;
  EXPECT_THAT(detect_cuts(f), ElementsAre(40u));
}

TEST(DetectCuts, SteadyHighMotionIsNoCut) {
  // A fast pan: every frame differs a lot, none much more than its neighbours.
  auto f = steady(200, 40);
  for (std::size_t i = 1; i < f.size(); ++i)
    f[i].content = 35 + static_cast<float>(i % 5) * 3;
  EXPECT_THAT(detect_cuts(f), IsEmpty());
}

TEST(DetectCuts, SmallRelativeJumpBelowAbsoluteFloorIsNoCut) {
  auto f = steady(100, 0.5);
  f[50].content = 8;  // 16x its neighbours but under min_content
  EXPECT_THAT(detect_cuts(f), IsEmpty());
}

TEST(DetectCuts, CutsCloserThanMinShotKeepTheFirst) {
  auto f = steady(100, 2);
  f[30].content = 60;
  f[36].content = 60;
  f[70].content = 60;
  EXPECT_THAT(detect_cuts(f), ElementsAre(30u, 70u));
  CutDetectorOptions o;
  o.min_shot_frames = 5;
  EXPECT_THAT(detect_cuts(f, o), ElementsAre(30u, 36u, 70u));
}

TEST(DetectCuts, FadeThroughBlackCountsOnce) {
  auto f = steady(120, 1);
  // Fade out over 10 frames, 8 black frames, hard return from black.
  for (int i = 0; i < 10; ++i) {
    f[40 + i].brightness = 100 - 9.5f * i;
    f[40 + i].content = 9.5f;
  }
  for (int i = 50; i < 58; ++i)
    f[i].brightness = 2;
  f[58].content = 98;  // the picture comes back at once
  EXPECT_THAT(detect_cuts(f), ElementsAre(58u));
}

TEST(DetectCuts, EmptyAndTinyInputs) {
  EXPECT_THAT(detect_cuts({}), IsEmpty());
  EXPECT_THAT(detect_cuts(steady(1, 0)), IsEmpty());
}

}  // namespace
}  // namespace opusperf::video
