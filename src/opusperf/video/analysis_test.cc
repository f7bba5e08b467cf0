#include "opusperf/video/analysis.h"

#include <gtest/gtest.h>

#include "opusperf/video/progress_bar.h"

namespace opusperf::video {
namespace {

Analysis sample() {
  Analysis a;
  a.info.path = "x.mp4";
  a.info.video_codec = "h264";
  a.info.duration_s = 2.5;
  a.info.fps = 24;
  a.info.width = 1280;
  a.info.height = 720;
  a.info.frames = 2;
  a.info.has_audio = true;
  a.chunks = 3;
  a.frames = {{0.0, 0, 0, 10, 0.5f}, {0.04, 12.5f, 0.25f, 99, 0.75f}};
  a.loudness_db = {-20, Analysis::kSilenceDb};
  a.skipped = {{1.0, 1.5}};
  return a;
}

TEST(Analysis, SerializeRoundTrips) {
  const Analysis a = sample();
  const auto b = deserialize(serialize(a));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->info.path, "x.mp4");
  EXPECT_EQ(b->info.width, 1280);
  EXPECT_EQ(b->chunks, 3);
  ASSERT_EQ(b->frames.size(), 2u);
  EXPECT_FLOAT_EQ(b->frames[1].content, 12.5f);
  EXPECT_FLOAT_EQ(b->frames[1].centroid_x, 0.75f);
  EXPECT_EQ(b->loudness_db, a.loudness_db);
  EXPECT_EQ(b->skipped, a.skipped);
}

TEST(Analysis, DamagedOrStaleBytesAreRejected) {
  const std::string bytes = serialize(sample());
  for (std::size_t cut : {std::size_t{0}, std::size_t{3}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_FALSE(deserialize(bytes.substr(0, cut)).has_value()) << cut;
  }
  std::string other_version = bytes;
  other_version[4] = 9;
  EXPECT_FALSE(deserialize(other_version).has_value());
  EXPECT_FALSE(deserialize(bytes + "x").has_value());
}

TEST(Analysis, LoudnessAtLooksUpTheWindow) {
  const Analysis a = sample();
  EXPECT_FLOAT_EQ(a.loudness_at(0.2), -20);
  EXPECT_FLOAT_EQ(a.loudness_at(0.7), Analysis::kSilenceDb);
  EXPECT_FLOAT_EQ(a.loudness_at(5.0), Analysis::kSilenceDb);
  EXPECT_FLOAT_EQ(a.loudness_at(-1), Analysis::kSilenceDb);
}

TEST(ProgressBar, RendersCountsRateAndEta) {
  const std::string line = render_progress({"analyze", 50, 100, 2.0}, 78);
  EXPECT_LE(line.size(), 78u);
  EXPECT_NE(line.find("50/100 frames"), std::string::npos) << line;
  EXPECT_NE(line.find("25 fps"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 2s"), std::string::npos) << line;
  EXPECT_NE(line.find("[#"), std::string::npos) << line;
  const std::string done = render_progress({"export", 3, 3, 1.0}, 78);
  EXPECT_EQ(done.find("ETA"), std::string::npos) << done;
  EXPECT_EQ(done.find('.'), std::string::npos) << done;  // a full bar
}

TEST(ProgressBar, DisabledBarWritesNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBar bar(f, false);
  bar.update({"analyze", 1, 2, 0.5});
  bar.finish();
  EXPECT_EQ(std::ftell(f), 0);
  std::fclose(f);
}

}  // namespace
}  // namespace opusperf::video
