#include "opusperf/memory/frame_size_classes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

namespace opusperf {
namespace {

TEST(FrameSizeClassesTest, FrameBytesOfStandardShapes) {
  EXPECT_EQ(frame_bytes(1920, 1080, PixelFormat::kRgb24), 6'220'800u);
  EXPECT_EQ(frame_bytes(1920, 1080, PixelFormat::kNv12), 3'110'400u);
  EXPECT_EQ(frame_bytes(1280, 720, PixelFormat::kNv12), 1'382'400u);
  EXPECT_EQ(frame_bytes(3840, 2160, PixelFormat::kRgb24), 24'883'200u);
  EXPECT_EQ(to_string(PixelFormat::kNv12), "nv12");
}

TEST(FrameSizeClassesTest, DefaultClassesAreTheSixShapesAscending) {
  const auto classes = default_frame_size_classes();
  ASSERT_EQ(classes.size(), 6u);
  EXPECT_TRUE(std::is_sorted(classes.begin(), classes.end()));
  EXPECT_EQ(classes.front(), 1'382'400u);
  EXPECT_EQ(classes.back(), 24'883'200u);
}

TEST(FrameSizeClassesTest, RejectsImpossibleFrames) {
  EXPECT_THROW(frame_bytes(0, 10, PixelFormat::kRgb24), std::invalid_argument);
  EXPECT_THROW(frame_bytes(1921, 1080, PixelFormat::kNv12), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
