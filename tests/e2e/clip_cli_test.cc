// End-to-end tests of `opusperf clip`: the JSON contract, files written, exit codes on bad input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "run_cli.h"

namespace opusperf {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using e2e::RunResult;

class ClipCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("opusperf_clip_cli_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string p(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(ClipCliTest, EmbeddedDefaultPrintsOneJsonObjectAndWritesClips) {
  const RunResult r = e2e::run_cli(
      "clip --out " + p("out") + " --cache-dir " + p("cache") + " --clips 2 --json", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["video"], "embedded:synthetic");
  EXPECT_EQ(j["cuts"].size(), 3u);
  for (const char* key : {"duration_s", "frames", "fps", "cuts", "clips", "timing"})
    EXPECT_TRUE(j.contains(key)) << key;
  for (const char* key : {"analyze_s", "export_s", "analyze_fps", "cache"})
    EXPECT_TRUE(j["timing"].contains(key)) << key;
  ASSERT_EQ(j["clips"].size(), 2u);
  for (const auto& c : j["clips"]) {
    for (const char* key : {"start", "end", "score", "file", "thumbnail"})
      EXPECT_TRUE(c.contains(key)) << key;
    EXPECT_TRUE(fs::exists(c["file"].get<std::string>()));
    EXPECT_TRUE(fs::exists(c["thumbnail"].get<std::string>()));
  }
  EXPECT_TRUE(fs::exists(dir_ / "out" / "manifest.json"));
}

TEST_F(ClipCliTest, BadInputsExitTwoWithAClearMessage) {
  std::ofstream(p("notes.txt")) << "hello\n";
  std::ofstream(p("empty.avi"));
  struct Case {
    std::string args;
    std::string message;
  };
  for (const Case& c :
       {Case{p("missing.mp4") + " --out " + p("o1"), "no such file"},
        Case{p("notes.txt") + " --out " + p("o2"), "not a readable media file"},
        Case{p("empty.avi") + " --out " + p("o3"), "empty file"},
        Case{"--out " + p("o4") + " --min-len 9 --max-len 3", "--max-len"},
        Case{"--out " + p("o5") + " --reframe 4:3", "--reframe"}, Case{"--clips 2", "--out"}}) {
    const RunResult r = e2e::run_cli("clip " + c.args + " --no-cache", false);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.message)) << c.args;
  }
  EXPECT_FALSE(fs::exists(dir_ / "o1" / "manifest.json"));
  EXPECT_TRUE(!fs::exists(dir_ / "o2") || fs::is_empty(dir_ / "o2"));
}

TEST_F(ClipCliTest, UnwritableOutExitsTwo) {
  std::ofstream(p("file")) << "x";
  const RunResult r = e2e::run_cli("clip --out " + p("file") + "/sub --no-cache", false);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--out"));
}

}  // namespace
}  // namespace opusperf
