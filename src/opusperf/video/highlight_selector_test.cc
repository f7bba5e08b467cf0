#include "opusperf/video/highlight_selector.h"

#include <gtest/gtest.h>

namespace opusperf::video {
namespace {

// 60 s at 10 fps, quiet and still but for what the test sets.
Analysis flat_video() {
  Analysis a;
  a.info.fps = 10;
  a.info.duration_s = 60;
  a.frames.resize(600);
  for (std::size_t i = 0; i < a.frames.size(); ++i) {
    a.frames[i].time_s = i / 10.0;
    a.frames[i].motion = 0.01f;
  }
  a.loudness_window_s = 0.5;
  a.loudness_db.assign(120, -40.0f);
  return a;
}

TEST(SelectHighlights, PicksTheLoudMovingPassage) {
  Analysis a = flat_video();
  for (std::size_t w = 60; w < 80; ++w)
    a.loudness_db[w] = -6;  // 30 .. 40 s
  for (std::size_t i = 300; i < 400; ++i)
    a.frames[i].motion = 0.3f;
  const auto h = select_highlights(a, {}, {.clips = 1, .min_len_s = 5, .max_len_s = 10});
  ASSERT_EQ(h.size(), 1u);
  EXPECT_GE(h[0].start_s, 29.9);
  EXPECT_LE(h[0].end_s, 40.1);
  EXPECT_GT(h[0].score, 0.8);
}

TEST(SelectHighlights, ClipsDoNotOverlapAndRespectLengths) {
  Analysis a = flat_video();
  for (std::size_t w = 20; w < 40; ++w)
    a.loudness_db[w] = -3;
  for (std::size_t w = 90; w < 100; ++w)
    a.loudness_db[w] = -10;
  const auto h = select_highlights(a, {}, {.clips = 4, .min_len_s = 4, .max_len_s = 8});
  ASSERT_EQ(h.size(), 4u);
  for (std::size_t i = 0; i < h.size(); ++i) {
    const double len = h[i].end_s - h[i].start_s;
    EXPECT_GE(len, 4 - 1e-9);
    EXPECT_LE(len, 8 + 1e-9);
    if (i > 0) {
      EXPECT_LE(h[i].score, h[i - 1].score);
    }
    for (std::size_t j = 0; j < i; ++j) {
      EXPECT_TRUE(h[i].end_frame <= h[j].first_frame || h[j].end_frame <= h[i].first_frame);
    }
  }
  EXPECT_GE(h[0].start_s, 9.9);
  EXPECT_LE(h[0].end_s, 20.1);
}

TEST(SelectHighlights, StartSnapsToANearbyCut) {
  Analysis a = flat_video();
  for (std::size_t w = 60; w < 80; ++w)
    a.loudness_db[w] = -6;  // 30 .. 40 s
  const auto h = select_highlights(a, {305}, {.clips = 1, .min_len_s = 5, .max_len_s = 5});
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].first_frame, 305u);
  EXPECT_DOUBLE_EQ(h[0].start_s, 30.5);
}

TEST(SelectHighlights, ShortVideoIsOneWholeClip) {
  Analysis a = flat_video();
  a.frames.resize(30);
  const auto h = select_highlights(a, {}, {.clips = 3, .min_len_s = 5, .max_len_s = 10});
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].first_frame, 0u);
  EXPECT_EQ(h[0].end_frame, 30u);
  EXPECT_DOUBLE_EQ(h[0].end_s, 3.0);
}

}  // namespace
}  // namespace opusperf::video
