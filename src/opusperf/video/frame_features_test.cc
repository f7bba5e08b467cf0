#include "opusperf/video/frame_features.h"

#include <gtest/gtest.h>

#include <vector>

namespace opusperf::video {
namespace {

std::vector<std::uint8_t> plane(int w, int h, std::uint8_t v) {
  return std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h, v);
}

TEST(DownscaleLuma, KeepsAspectAndMeanOfUniformPlane) {
  const auto p = plane(640, 360, 77);
  const LumaImage img = downscale_luma(p.data(), 640, 640, 360);
  EXPECT_EQ(img.width, kFeatureWidth);
  EXPECT_EQ(img.height, 54);
  for (std::uint8_t v : img.pixels)
    EXPECT_EQ(v, 77);
}

TEST(DownscaleLuma, RespectsStrideAndSmallPlanes) {
  // 4x2 picture stored with a stride of 8; the padding must not leak into the average.
  std::vector<std::uint8_t> p = {10, 10, 20, 20, 255, 255, 255, 255,
                                 10, 10, 20, 20, 255, 255, 255, 255};
  const LumaImage img = downscale_luma(p.data(), 8, 4, 2, 2);
  ASSERT_EQ(img.width, 2);
  ASSERT_EQ(img.height, 1);
  EXPECT_EQ(img.pixels[0], 10);
  EXPECT_EQ(img.pixels[1], 20);
}

TEST(CompareFrames, IdenticalFramesHaveNoDifference) {
  const auto p = plane(320, 180, 100);
  const LumaImage a = downscale_luma(p.data(), 320, 320, 180);
  const FrameFeatures f = compare_frames(a, a);
  EXPECT_EQ(f.content, 0);
  EXPECT_EQ(f.motion, 0);
  EXPECT_FLOAT_EQ(f.brightness, 100);
  EXPECT_FLOAT_EQ(f.centroid_x, 0.5f);
}

TEST(CompareFrames, FirstFrameHasOnlyBrightness) {
  const auto p = plane(64, 64, 30);
  const FrameFeatures f = compare_frames({}, downscale_luma(p.data(), 64, 64, 64));
  EXPECT_EQ(f.content, 0);
  EXPECT_FLOAT_EQ(f.brightness, 30);
}

TEST(CompareFrames, MotionOnTheRightMovesTheCentroidRight) {
  auto before = plane(192, 108, 50);
  auto after = before;
  for (int y = 40; y < 70; ++y) {
    for (int x = 150; x < 190; ++x)
      after[static_cast<std::size_t>(y) * 192 + x] = 220;
  }
  const FrameFeatures f = compare_frames(downscale_luma(before.data(), 192, 192, 108),
                                         downscale_luma(after.data(), 192, 192, 108));
  EXPECT_GT(f.motion, 0.03f);
  EXPECT_LT(f.motion, 0.1f);
  EXPECT_GT(f.centroid_x, 0.75f);
  EXPECT_GT(f.content, 1.0f);
}

TEST(CompareFrames, ACutChangesEveryPixel) {
  const auto dark = plane(96, 54, 20);
  const auto bright = plane(96, 54, 200);
  const FrameFeatures f = compare_frames(downscale_luma(dark.data(), 96, 96, 54),
                                         downscale_luma(bright.data(), 96, 96, 54));
  EXPECT_FLOAT_EQ(f.content, 180);
  EXPECT_FLOAT_EQ(f.motion, 1);
}

}  // namespace
}  // namespace opusperf::video
