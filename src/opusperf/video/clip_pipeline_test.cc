// The pipeline end to end on a synthetic video with known cuts (always), and on the opencv-doc
// sample media when scripts/fetch-media.sh has put them in data/media (else those tests skip).
#include "opusperf/video/clip_pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <memory>

extern "C" {
#include <libavutil/log.h>
}

#include "opusperf/core/errors.h"
#include "opusperf/video/feature_cache.h"
#include "opusperf/video/media_source.h"
#include "opusperf/video/synthetic_video.h"
#include "opusperf/video/video_analyzer.h"

namespace opusperf::video {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const fs::path kMedia = fs::path(OPUSPERF_TEST_SRC_DIR) / "../../../data/media";

SyntheticVideoSpec small_spec() {
  SyntheticVideoSpec s;
  s.width = 320;
  s.height = 180;
  s.duration_s = 8;
  s.cuts_s = {2.0, 4.4, 6.0};
  s.loud = {{4.5, 5.5}};
  return s;
}

class ClipPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    av_log_set_level(AV_LOG_ERROR);  // encoders' statistics are not test output
    dir_ = fs::temp_directory_path() /
           ("opusperf_video_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path synthetic() {
    const fs::path p = dir_ / "synthetic.mp4";
    if (!fs::exists(p)) write_synthetic_video(p, small_spec());
    return p;
  }
  ClipPipelineOptions options(const fs::path& video) {
    ClipPipelineOptions o;
    o.video = video;
    o.out_dir = dir_ / "out";
    o.cache_dir = dir_ / "cache";
    o.clips = 2;
    o.min_len_s = 1.5;
    o.max_len_s = 3;
    o.threads = 2;
    return o;
  }
  std::vector<double> cuts_of(const nlohmann::json& r) {
    return r["cuts"].get<std::vector<double>>();
  }

  fs::path dir_;
};

// Expects `found` to match `truth` one to one within `tolerance_frames` frames.
void expect_cuts(const std::vector<double>& found, const std::vector<double>& truth, double fps,
                 int tolerance_frames = 2) {
  ASSERT_EQ(found.size(), truth.size()) << ::testing::PrintToString(found);
  for (std::size_t i = 0; i < truth.size(); ++i) {
    EXPECT_LE(std::abs(found[i] - truth[i]), tolerance_frames / fps + 1e-6)
        << "cut " << i << " at " << found[i] << " s, expected " << truth[i];
  }
}

TEST_F(ClipPipelineTest, FindsTheSyntheticCutsAndIgnoresMovement) {
  const nlohmann::json r = run_clip_pipeline([&] {
    auto o = options(synthetic());
    o.analyze_only = true;
    return o;
  }());
  expect_cuts(cuts_of(r), {2.0, 4.4, 6.0}, 25, 0);
  EXPECT_EQ(r["frames"], 200);
  EXPECT_EQ(r["timing"]["cache"], "miss");
  EXPECT_TRUE(r["clips"].empty());
}

TEST_F(ClipPipelineTest, ChunkedAnalysisEqualsOneSequentialPass) {
  const fs::path v = synthetic();
  const Analysis one = analyze_video(v, {.threads = 1});
  const Analysis many = analyze_video(v, {.threads = 3, .min_chunk_s = 1.0});
  EXPECT_GT(many.chunks, 2);
  ASSERT_EQ(one.frames.size(), many.frames.size());
  for (std::size_t i = 0; i < one.frames.size(); ++i) {
    EXPECT_DOUBLE_EQ(one.frames[i].time_s, many.frames[i].time_s) << i;
    EXPECT_FLOAT_EQ(one.frames[i].content, many.frames[i].content) << i;
    EXPECT_FLOAT_EQ(one.frames[i].motion, many.frames[i].motion) << i;
  }
  ASSERT_EQ(one.loudness_db.size(), many.loudness_db.size());
  // The same through a caller's executor (a WorkerPool in the CLI): every chunk goes through it.
  std::atomic<int> submitted{0};
  AnalyzeOptions via;
  via.threads = 3;
  via.min_chunk_s = 1.0;
  via.submit = [&submitted](std::function<void()> job) {
    ++submitted;
    return std::async(std::launch::async, std::move(job));
  };
  const Analysis submitted_run = analyze_video(v, via);
  EXPECT_EQ(submitted.load(), many.chunks);
  ASSERT_EQ(submitted_run.frames.size(), one.frames.size());
  for (std::size_t i = 0; i < one.frames.size(); ++i)
    EXPECT_FLOAT_EQ(one.frames[i].content, submitted_run.frames[i].content) << i;
  // The loud passage (4.5 .. 5.5 s) is far above the quiet tone.
  EXPECT_GT(one.loudness_at(5.0), one.loudness_at(1.0) + 15);
}

TEST_F(ClipPipelineTest, ExportsPlayableClipsThumbnailsAndManifest) {
  const nlohmann::json r = run_clip_pipeline(options(synthetic()));
  ASSERT_EQ(r["clips"].size(), 2u);
  for (const auto& c : r["clips"]) {
    const fs::path file = c["file"].get<std::string>();
    ASSERT_TRUE(fs::exists(file)) << file;
    MediaSource clip(file, {.decode_audio = true});
    EXPECT_EQ(clip.info().width, 320);
    EXPECT_TRUE(clip.info().has_audio);
    const double len = c["end"].get<double>() - c["start"].get<double>();
    EXPECT_GE(len, 1.5 - 0.04);
    EXPECT_LE(len, 3 + 0.04);
    EXPECT_NEAR(clip.info().duration_s, len, 1.0 / 25 + 1e-3);
    std::ifstream jpg(c["thumbnail"].get<std::string>(), std::ios::binary);
    unsigned char soi[2] = {};
    jpg.read(reinterpret_cast<char*>(soi), 2);
    EXPECT_EQ(soi[0], 0xFF);
    EXPECT_EQ(soi[1], 0xD8);
  }
  // The loud passage (4.5 .. 5.5 s) is in the best clip.
  EXPECT_LE(r["clips"][0]["start"].get<double>(), 4.6);
  EXPECT_GE(r["clips"][0]["end"].get<double>(), 5.4);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "manifest.json"));
  for (const auto& e : fs::directory_iterator(dir_ / "out")) {
    EXPECT_THAT(e.path().filename().string(), ::testing::Not(HasSubstr("staging")));
  }
}

TEST_F(ClipPipelineTest, TheMemoryTierServesARepeatWithoutTheDiskOrADecode) {
  auto o = options(synthetic());
  o.analyze_only = true;
  std::map<std::string, std::shared_ptr<const Analysis>> memory;
  int loads = 0;
  o.memory_tier = [&](const std::string& key, const std::function<Analysis()>& load) {
    auto& slot = memory[key];
    if (!slot) {
      ++loads;
      slot = std::make_shared<const Analysis>(load());
    }
    return slot;
  };
  const nlohmann::json first = run_clip_pipeline(o);
  EXPECT_EQ(first["timing"]["cache"], "miss");
  fs::remove_all(dir_ / "cache");  // the repeat cannot come from the disk
  const nlohmann::json second = run_clip_pipeline(o);
  EXPECT_EQ(second["timing"]["cache"], "hit");
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(memory.size(), 1u);
  EXPECT_EQ(first["cuts"], second["cuts"]);
  EXPECT_EQ(first["frames"], second["frames"]);
}

TEST_F(ClipPipelineTest, PooledFramesDecodeTheSamePicturesFromRecycledBuffers) {
  const fs::path v = synthetic();
  MediaSource plain(v, {.decode_audio = false});
  MediaSource pooled(v, {.decode_audio = false, .pooled_frames = true});
  StreamKind kind;
  int frames = 0;
  for (;;) {
    const AVFrame* a = plain.next(&kind);
    const AVFrame* b = pooled.next(&kind);
    ASSERT_EQ(a == nullptr, b == nullptr) << frames;
    if (a == nullptr) break;
    ASSERT_EQ(a->width, b->width);
    for (int y = 0; y < a->height; y += 7) {  // every 7th luma row, byte for byte
      ASSERT_EQ(0, std::memcmp(a->data[0] + y * a->linesize[0], b->data[0] + y * b->linesize[0],
                               static_cast<std::size_t>(a->width)))
          << "frame " << frames << " row " << y;
    }
    ++frames;
  }
  EXPECT_GT(frames, 100);
  EXPECT_FALSE(plain.frame_pool_stats().has_value());
  const std::optional<BufferPoolStats> stats = pooled.frame_pool_stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_GE(stats->hits + 10, static_cast<std::uint64_t>(frames));  // recycled frame after frame
  EXPECT_LE(stats->upstream_allocations, 8u);  // only the decoder's references and delay
}

TEST_F(ClipPipelineTest, ReframeGivesNineBySixteen) {
  auto o = options(synthetic());
  o.clips = 1;
  o.reframe_9_16 = true;
  const nlohmann::json r = run_clip_pipeline(o);
  MediaSource clip(r["clips"][0]["file"].get<std::string>(), {.decode_audio = false});
  EXPECT_EQ(clip.info().width * 16, clip.info().height * 9);
  EXPECT_EQ(clip.info().height, 160);
}

TEST_F(ClipPipelineTest, SecondRunHitsTheFeatureCacheAndNoCacheSkipsIt) {
  auto o = options(synthetic());
  o.analyze_only = true;
  const nlohmann::json first = run_clip_pipeline(o);
  const nlohmann::json second = run_clip_pipeline(o);
  EXPECT_EQ(first["timing"]["cache"], "miss");
  EXPECT_EQ(second["timing"]["cache"], "hit");
  EXPECT_EQ(first["cuts"], second["cuts"]);
  EXPECT_EQ(first["frames"], second["frames"]);
  o.use_cache = false;
  o.cache_dir = dir_ / "unused-cache";
  EXPECT_EQ(run_clip_pipeline(o)["timing"]["cache"], "off");
  EXPECT_FALSE(fs::exists(dir_ / "unused-cache"));
}

TEST_F(ClipPipelineTest, ContentKeyFollowsTheBytesNotTheName) {
  const fs::path v = synthetic();
  fs::copy_file(v, dir_ / "copy.mp4");
  EXPECT_EQ(FeatureCache::content_key(v), FeatureCache::content_key(dir_ / "copy.mp4"));
  std::fstream f(dir_ / "copy.mp4", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(1000);
  f.put('\x55');
  f.close();
  EXPECT_NE(FeatureCache::content_key(v), FeatureCache::content_key(dir_ / "copy.mp4"));
}

TEST_F(ClipPipelineTest, BadInputsAreInputErrorsAndWriteNothing) {
  std::ofstream(dir_ / "notes.txt") << "this is not a video\n";
  std::ofstream(dir_ / "empty.mp4");
  for (const char* name : {"missing.mp4", "notes.txt", "empty.mp4"}) {
    try {
      run_clip_pipeline(options(dir_ / name));
      ADD_FAILURE() << name << " was accepted";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(name));
    }
    EXPECT_TRUE(!fs::exists(dir_ / "out") || fs::is_empty(dir_ / "out")) << name;
  }
  auto o = options(synthetic());
  o.min_len_s = 5;
  o.max_len_s = 2;
  EXPECT_THROW(run_clip_pipeline(o), InputError);
  o = options(synthetic());
  o.clips = 0;
  EXPECT_THROW(run_clip_pipeline(o), InputError);
}

TEST_F(ClipPipelineTest, UnwritableOutIsInputError) {
  if (::geteuid() == 0) {
    // root writes anywhere; a regular file where the folder should be is unwritable for everyone.
    std::ofstream(dir_ / "out") << "a file";
  } else {
    fs::create_directories(dir_ / "out");
    ::chmod((dir_ / "out").c_str(), 0500);
  }
  try {
    run_clip_pipeline(options(synthetic()));
    ADD_FAILURE() << "unwritable --out accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--out"));
  }
  ::chmod((dir_ / "out").c_str(), 0700);
}

TEST_F(ClipPipelineTest, TruncatedVideoReportsTheLostTail) {
  const fs::path v = synthetic();
  const auto size = fs::file_size(v);
  fs::copy_file(v, dir_ / "truncated.mp4");
  // MP4 keeps its index at the end: cutting it makes the file unreadable (InputError); a cut in
  // the middle of the media data of a file with the index first leaves a readable head. Either
  // way: a clear error or a result that names what was skipped, never a crash.
  fs::resize_file(dir_ / "truncated.mp4", size * 6 / 10);
  auto o = options(dir_ / "truncated.mp4");
  o.analyze_only = true;
  try {
    const nlohmann::json r = run_clip_pipeline(o);
    EXPECT_LT(r["frames"].get<int>(), 200);
    EXPECT_FALSE(r["skipped"].empty());
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("truncated.mp4"));
  }
}

// The opencv-doc sample media (scripts/fetch-media.sh).
class SampleMediaTest : public ClipPipelineTest {
 protected:
  fs::path media(const std::string& name) {
    const fs::path p = kMedia / name;
    if (!fs::exists(p)) return {};
    return p;
  }
};

TEST_F(SampleMediaTest, MegamindHasThreeCutsWithinTwoFrames) {
  const fs::path v = media("Megamind.avi");
  if (v.empty()) GTEST_SKIP() << "data/media/Megamind.avi absent: run scripts/fetch-media.sh";
  auto o = options(v);
  o.analyze_only = true;
  const nlohmann::json r = run_clip_pipeline(o);
  expect_cuts(cuts_of(r), {4.13, 6.46, 8.38}, 23.976);
}

// Megamind.avi has packed B-frames: its keyframe packets display a frame after frames decoded
// from the packets before them, which a chunk split at the keyframe must not lose.
TEST_F(SampleMediaTest, ChunkedAnalysisOfPackedBFramesLosesNoFrame) {
  const fs::path v = media("Megamind.avi");
  if (v.empty()) GTEST_SKIP() << "data/media/Megamind.avi absent: run scripts/fetch-media.sh";
  const Analysis one = analyze_video(v, {.threads = 1});
  const Analysis many = analyze_video(v, {.threads = 3, .min_chunk_s = 1.0});
  EXPECT_GT(many.chunks, 2);
  EXPECT_EQ(one.frames.size(), 270u);
  ASSERT_EQ(one.frames.size(), many.frames.size());
  for (std::size_t i = 0; i < one.frames.size(); ++i) {
    EXPECT_DOUBLE_EQ(one.frames[i].time_s, many.frames[i].time_s) << i;
    EXPECT_FLOAT_EQ(one.frames[i].content, many.frames[i].content) << i;
  }
}

TEST_F(SampleMediaTest, VtestHasNoCut) {
  const fs::path v = media("vtest.avi");
  if (v.empty()) GTEST_SKIP() << "data/media/vtest.avi absent: run scripts/fetch-media.sh";
  auto o = options(v);
  o.analyze_only = true;
  const nlohmann::json r = run_clip_pipeline(o);
  EXPECT_TRUE(r["cuts"].empty()) << r["cuts"];
  EXPECT_EQ(r["frames"], 795);
}

TEST_F(SampleMediaTest, DamagedMegamindGivesAResultNotACrash) {
  const fs::path v = media("Megamind_bugy.avi");
  if (v.empty()) GTEST_SKIP() << "data/media/Megamind_bugy.avi absent: run scripts/fetch-media.sh";
  auto o = options(v);
  o.clips = 1;
  const nlohmann::json r = run_clip_pipeline(o);
  EXPECT_GT(r["frames"].get<int>(), 0);
  EXPECT_EQ(r["clips"].size(), 1u);
}

}  // namespace
}  // namespace opusperf::video
