// Chunks as units of work: their binary encoding round-trips and rejects damage, their cache keys
// tell spans apart, and analyze_video through a chunk cache decodes each chunk once and gives the
// same analysis.
#include "opusperf/video/chunk_analysis.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

#include "opusperf/video/feature_cache.h"
#include "opusperf/video/synthetic_video.h"
#include "opusperf/video/video_analyzer.h"

namespace opusperf::video {
namespace {

namespace fs = std::filesystem;

class ChunkAnalysisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    av_log_set_level(AV_LOG_ERROR);
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("opusperf_chunk_analysis_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    SyntheticVideoSpec s;
    s.width = 320;
    s.height = 180;
    s.duration_s = 8;
    s.cuts_s = {2.0, 4.4, 6.0};
    s.loud = {{4.5, 5.5}};
    write_synthetic_video(*dir_ / "v.mp4", s);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path video() { return *dir_ / "v.mp4"; }
  static fs::path* dir_;
};
fs::path* ChunkAnalysisTest::dir_ = nullptr;

void expect_same(const ChunkResult& a, const ChunkResult& b) {
  ASSERT_EQ(a.frames.size(), b.frames.size());
  for (std::size_t i = 0; i < a.frames.size(); ++i) {
    EXPECT_EQ(a.frames[i].time_s, b.frames[i].time_s);
    EXPECT_EQ(a.frames[i].content, b.frames[i].content);
    EXPECT_EQ(a.frames[i].centroid_x, b.frames[i].centroid_x);
  }
  EXPECT_EQ(a.tail_from, b.tail_from);
  ASSERT_EQ(a.tail.size(), b.tail.size());
  for (std::size_t i = 0; i < a.tail.size(); ++i)
    EXPECT_EQ(a.tail[i].pixels, b.tail[i].pixels);
  EXPECT_EQ(a.first.pixels, b.first.pixels);
  ASSERT_EQ(a.audio.size(), b.audio.size());
  EXPECT_EQ(a.damaged, b.damaged);
  EXPECT_EQ(a.read_error, b.read_error);
}

TEST_F(ChunkAnalysisTest, EncodingRoundTripsAndRejectsDamage) {
  const ChunkPlan plan = plan_chunks(video(), {.threads = 3, .min_chunk_s = 1.0});
  ASSERT_GT(plan.chunks.size(), 2u);
  const ChunkResult r = analyze_chunk(video(), plan.chunks[1], 0.5);
  ASSERT_FALSE(r.frames.empty());
  const std::string bytes = serialize(r);
  const std::optional<ChunkResult> back = deserialize_chunk(bytes);
  ASSERT_TRUE(back);
  expect_same(r, *back);
  EXPECT_FALSE(deserialize_chunk(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(deserialize_chunk(bytes + "x"));
  EXPECT_FALSE(deserialize_chunk(""));
  std::string wrong_magic = bytes;
  wrong_magic[0] ^= 1;
  EXPECT_FALSE(deserialize_chunk(wrong_magic));
}

TEST_F(ChunkAnalysisTest, JoiningPlannedChunksEqualsOneSequentialPass) {
  const ChunkPlan plan = plan_chunks(video(), {.threads = 4, .min_chunk_s = 1.0});
  std::vector<ChunkResult> parts;
  for (const ChunkSpan& s : plan.chunks)
    parts.push_back(*deserialize_chunk(serialize(analyze_chunk(video(), s, 0.5))));
  const Analysis joined = join_chunks(plan.info, 0.5, std::move(parts));
  const Analysis one = analyze_video(video(), {.threads = 1});
  ASSERT_EQ(joined.frames.size(), one.frames.size());
  for (std::size_t i = 0; i < one.frames.size(); ++i) {
    EXPECT_EQ(joined.frames[i].time_s, one.frames[i].time_s) << i;
    EXPECT_FLOAT_EQ(joined.frames[i].content, one.frames[i].content) << i;
  }
  ASSERT_EQ(joined.loudness_db.size(), one.loudness_db.size());
  for (std::size_t i = 0; i < one.loudness_db.size(); ++i)
    EXPECT_NEAR(joined.loudness_db[i], one.loudness_db[i], 1e-3) << i;
}

TEST_F(ChunkAnalysisTest, MaxChunkLengthGivesALongVideoMoreChunks) {
  const ChunkPlan one = plan_chunks(video(), {.threads = 1, .min_chunk_s = 1.0});
  EXPECT_EQ(one.chunks.size(), 1u);
  const ChunkPlan capped =
      plan_chunks(video(), {.threads = 1, .min_chunk_s = 1.0, .max_chunk_s = 2.0});
  EXPECT_GE(capped.chunks.size(), 3u);  // 8 s of video, keyframes every second or so
  const ChunkPlan floor =
      plan_chunks(video(), {.threads = 1, .min_chunk_s = 4.0, .max_chunk_s = 2.0});
  EXPECT_LE(floor.chunks.size(), 2u);  // min_chunk_s wins over max_chunk_s
}

TEST_F(ChunkAnalysisTest, CacheKeysDifferBySpanWindowAndContent) {
  const std::string a = chunk_cache_key("k1", {0, 100}, 0.5);
  EXPECT_EQ(a, chunk_cache_key("k1", {0, 100}, 0.5));
  EXPECT_NE(a, chunk_cache_key("k1", {0, 101}, 0.5));
  EXPECT_NE(a, chunk_cache_key("k1", {1, 100}, 0.5));
  EXPECT_NE(a, chunk_cache_key("k1", {0, 100}, 0.25));
  EXPECT_NE(a, chunk_cache_key("k2", {0, 100}, 0.5));
  EXPECT_NE(chunk_cache_key("k1", {kOpenBound, 100}, 0.5), chunk_cache_key("k1", {0, 100}, 0.5));
}

TEST_F(ChunkAnalysisTest, ChunkCacheServesASecondAnalysisWithoutDecoding) {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<const ChunkResult>> cache;
  std::atomic<unsigned> decoded{0};
  AnalyzeOptions o{.threads = 3, .min_chunk_s = 1.0};
  o.content_key = FeatureCache::content_key(video());
  o.chunks_decoded = &decoded;
  o.chunk_cache = [&](const std::string& key, const std::function<ChunkResult()>& load) {
    {
      std::lock_guard lock(mu);
      if (auto it = cache.find(key); it != cache.end()) return it->second;
    }
    auto r = std::make_shared<const ChunkResult>(load());
    std::lock_guard lock(mu);
    return cache.emplace(key, r).first->second;
  };
  const Analysis first = analyze_video(video(), o);
  const unsigned first_decoded = decoded.load();
  EXPECT_EQ(first_decoded, static_cast<unsigned>(first.chunks));
  EXPECT_EQ(cache.size(), static_cast<std::size_t>(first.chunks));
  const Analysis second = analyze_video(video(), o);
  EXPECT_EQ(decoded.load(), first_decoded);  // nothing decoded the second time
  ASSERT_EQ(second.frames.size(), first.frames.size());
  for (std::size_t i = 0; i < first.frames.size(); ++i)
    EXPECT_EQ(second.frames[i].content, first.frames[i].content);
}

}  // namespace
}  // namespace opusperf::video
