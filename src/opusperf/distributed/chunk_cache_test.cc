// ChunkCache without Redis: the folder tier lets a fresh process (a fresh ChunkCache) resume an
// interrupted analysis, decoding only the chunks that never finished; damaged chunk files are
// misses, and the local SmartCache stays within its byte budget.
#include "opusperf/distributed/chunk_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>

extern "C" {
#include <libavutil/log.h>
}

#include "opusperf/video/feature_cache.h"
#include "opusperf/video/synthetic_video.h"
#include "opusperf/video/video_analyzer.h"

namespace opusperf::distributed {
namespace {

namespace fs = std::filesystem;

class ChunkCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    av_log_set_level(AV_LOG_ERROR);
    dir_ = fs::temp_directory_path() / ("opusperf_chunk_cache_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    video::SyntheticVideoSpec s;
    s.width = 320;
    s.height = 180;
    s.duration_s = 8;
    s.cuts_s = {2.0, 5.0};
    video::write_synthetic_video(dir_ / "v.mp4", s);
  }
  void TearDown() override { fs::remove_all(dir_); }

  video::AnalyzeOptions options(ChunkCache& cache, std::atomic<unsigned>& decoded) {
    video::AnalyzeOptions o{.threads = 3, .min_chunk_s = 1.0};
    o.content_key = video::FeatureCache::content_key(dir_ / "v.mp4");
    o.chunk_cache = cache.as_function();
    o.chunks_decoded = &decoded;
    return o;
  }
  fs::path dir_;
};

TEST_F(ChunkCacheTest, AnInterruptedAnalysisResumesFromTheChunkFolder) {
  const fs::path chunks = dir_ / "chunks";
  std::atomic<unsigned> decoded{0};
  int total = 0;
  {
    // The first run dies on its last chunk: the others are already on disk.
    ChunkCache cache({.max_bytes = 1 << 20, .redis = std::nullopt, .disk_dir = chunks});
    video::AnalyzeOptions o = options(cache, decoded);
    auto inner = o.chunk_cache;
    std::atomic<int> calls{0};
    const video::ChunkPlan plan = video::plan_chunks(dir_ / "v.mp4", {3, 1.0, 3});
    total = static_cast<int>(plan.chunks.size());
    ASSERT_GT(total, 2);
    const std::string last = video::chunk_cache_key(o.content_key, plan.chunks.back(), 0.5);
    o.chunk_cache = [&](const std::string& key, const std::function<video::ChunkResult()>& load) {
      ++calls;
      if (key == last) throw std::runtime_error("interrupted");
      return inner(key, load);
    };
    EXPECT_THROW(video::analyze_video(dir_ / "v.mp4", o), std::runtime_error);
  }
  std::size_t files = 0;
  for (const auto& e : fs::directory_iterator(chunks))
    files += e.path().extension() == ".chunk";
  EXPECT_EQ(files, static_cast<std::size_t>(total - 1));

  decoded = 0;
  ChunkCache fresh({.max_bytes = 1 << 20, .redis = std::nullopt, .disk_dir = chunks});
  const video::Analysis resumed = video::analyze_video(dir_ / "v.mp4", options(fresh, decoded));
  EXPECT_EQ(decoded.load(), 1u);  // only the chunk that never finished
  const video::Analysis whole = video::analyze_video(dir_ / "v.mp4", {.threads = 1});
  ASSERT_EQ(resumed.frames.size(), whole.frames.size());
  for (std::size_t i = 0; i < whole.frames.size(); ++i)
    EXPECT_FLOAT_EQ(resumed.frames[i].content, whole.frames[i].content) << i;
}

TEST_F(ChunkCacheTest, ADamagedChunkFileIsAMiss) {
  const fs::path chunks = dir_ / "chunks";
  std::atomic<unsigned> decoded{0};
  {
    ChunkCache cache({.max_bytes = 1 << 20, .redis = std::nullopt, .disk_dir = chunks});
    video::analyze_video(dir_ / "v.mp4", options(cache, decoded));
  }
  const unsigned all = decoded.load();
  for (const auto& e : fs::directory_iterator(chunks))
    std::ofstream(e.path(), std::ios::trunc) << "garbage";
  decoded = 0;
  ChunkCache fresh({.max_bytes = 1 << 20, .redis = std::nullopt, .disk_dir = chunks});
  video::analyze_video(dir_ / "v.mp4", options(fresh, decoded));
  EXPECT_EQ(decoded.load(), all);
}

TEST_F(ChunkCacheTest, LocalCacheKeepsWithinItsBytes) {
  std::atomic<unsigned> decoded{0};
  ChunkCache cache({.max_bytes = 4096, .redis = std::nullopt, .disk_dir = {}});
  video::analyze_video(dir_ / "v.mp4", options(cache, decoded));
  EXPECT_LE(cache.local_stats().bytes, 4096u);
  EXPECT_FALSE(cache.tier_stats());
}

}  // namespace
}  // namespace opusperf::distributed
