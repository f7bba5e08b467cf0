// End-to-end tests of the opusperf command: exit codes, report files, error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "opusperf/monitor/report.h"
#include "run_cli.h"

namespace opusperf {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using e2e::run_cli;
using e2e::RunResult;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("opusperf_cli_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
  }

  fs::path dir_;
};

TEST_F(CliTest, VersionAndHelpExitZero) {
  RunResult v = run_cli("--version");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_THAT(v.output, HasSubstr("opusperf " OPUSPERF_VERSION));
  RunResult h = run_cli("--help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_THAT(h.output, HasSubstr("quickstart"));
  EXPECT_THAT(h.output, HasSubstr("report"));
}

TEST_F(CliTest, QuickstartBasicWritesMeasuredReport) {
  const std::string report = path("r.json");
  RunResult r = run_cli("quickstart basic --frames 60 --width 320 --height 240 --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("analyse_frames"));
  const Report loaded = Report::load(report);
  const nlohmann::json& doc = loaded.json();
  EXPECT_EQ(doc["schema"], "opusperf.report/1");
  for (const char* section :
       {"system", "operations", "cache", "memory", "gpu", "balance", "tune"}) {
    EXPECT_TRUE(doc.contains(section)) << section;
    EXPECT_TRUE(doc[section].contains("enabled")) << section;
  }
  const nlohmann::json& ops = doc["operations"]["by_name"];
  ASSERT_TRUE(ops.contains("analyse_frames"));
  EXPECT_EQ(ops["analyse_frames"]["calls"], 2);  // 60 frames in batches of 30
  EXPECT_EQ(ops["analyse_frames"]["units_total"], 60);
  EXPECT_GT(ops["analyse_frames"]["wall_ms"]["total"].get<double>(), 0.0);
  EXPECT_GT(ops["generate_frames"]["cpu_ms_total"].get<double>(), 0.0);
  EXPECT_GT(doc["system"]["latest"]["rss_bytes"].get<double>(), 0.0);

  RunResult printed = run_cli("report " + report);
  EXPECT_EQ(printed.exit_code, 0) << printed.output;
  EXPECT_THAT(printed.output, HasSubstr("analyse_frames"));
  EXPECT_THAT(printed.output, HasSubstr("Components"));
}

TEST_F(CliTest, QuickstartComprehensiveRunsEveryComponentTogether) {
  const std::string report = path("r.json");
  RunResult r = run_cli("quickstart comprehensive --seconds 1 --segments 8 --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* line : {"cache: hit ratio", "memory: frame pool", "gpu (", "balance:", "tune:"})
    EXPECT_THAT(r.output, HasSubstr(line));
  const Report loaded = Report::load(report);
  const nlohmann::json& doc = loaded.json();
  for (const char* section : {"cache", "memory", "gpu", "balance", "tune"})
    EXPECT_EQ(doc[section]["enabled"], true) << section;
  EXPECT_GT(doc["cache"]["hits"].get<double>(), 0.0);
  EXPECT_GT(doc["cache"]["loads"].get<double>(), 0.0);
  EXPECT_TRUE(doc["operations"]["by_name"].contains("score_segment"));
  EXPECT_EQ(run_cli("quickstart comprehensive --seconds 0").exit_code, 2);
  EXPECT_EQ(run_cli("quickstart comprehensive --width 641").exit_code, 2);
}

TEST_F(CliTest, QuickstartBatchRunsManyVideosThroughThePool) {
  RunResult r = run_cli("quickstart batch --synthetic 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("synthetic-1.mp4"));
  EXPECT_THAT(r.output, HasSubstr("synthetic-2.mp4"));
  EXPECT_THAT(r.output, HasSubstr("same frames and cuts"));
  EXPECT_THAT(r.output, HasSubstr("analyse_video"));
  EXPECT_EQ(run_cli("quickstart batch " + path("missing.mp4")).exit_code, 2);
}

TEST_F(CliTest, BadConfigKeyExitsTwoNamingTheKey) {
  write("bad.yaml", "profile: production\ncache_size_limt: 10\n");
  RunResult r = run_cli("quickstart basic --frames 1 --config " + path("bad.yaml"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("cache_size_limt"));
  EXPECT_THAT(r.output, HasSubstr("cache_size_limit"));  // did you mean
  EXPECT_THAT(r.output, HasSubstr(":2"));                // the line
}

TEST_F(CliTest, GoodConfigIsUsed) {
  write("good.yaml", "profile: development\nmonitoring_interval: 50ms\n");
  const std::string report = path("r.json");
  RunResult r = run_cli("quickstart basic --frames 4 --width 64 --height 64 --config " +
                        path("good.yaml") + " --report " + report);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json doc = Report::load(report).json();
  EXPECT_EQ(doc["profile"], "development");
  EXPECT_EQ(doc["system"]["monitoring_interval_ms"], 50);
}

TEST_F(CliTest, UnknownProfileExitsTwo) {
  RunResult r = run_cli("quickstart basic --profile prodution");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("production"));
}

TEST_F(CliTest, BadFlagExitsTwo) {
  EXPECT_EQ(run_cli("quickstart basic --no-such-flag").exit_code, 2);
  EXPECT_EQ(run_cli("quickstart basic --frames lots").exit_code, 2);
  EXPECT_EQ(run_cli("quickstart basic --frames 0").exit_code, 2);
  EXPECT_EQ(run_cli("").exit_code, 2);
}

TEST_F(CliTest, UnknownExampleExitsTwoAndHelpListsEveryExample) {
  RunResult unknown = run_cli("quickstart nosuch");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.output, HasSubstr("unknown example 'nosuch'"));
  EXPECT_THAT(unknown.output, HasSubstr("comprehensive"));  // lists the valid names
  EXPECT_EQ(run_cli("quickstart").exit_code, 2);
  RunResult bench = run_cli("bench nosuch");
  EXPECT_EQ(bench.exit_code, 2);
  EXPECT_THAT(bench.output, HasSubstr("micro"));
  RunResult help = run_cli("quickstart --help");
  for (const char* name : {"basic", "caching", "memory", "gpu", "load_balancing", "adaptive",
                           "video", "batch", "comprehensive"}) {
    EXPECT_THAT(help.output, HasSubstr(name));
  }
}

TEST_F(CliTest, ReportRejectsBadFiles) {
  RunResult missing = run_cli("report " + path("missing.json"));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.output, HasSubstr("missing.json"));
  write("garbage.json", "{\n  \"schema\": \n");
  RunResult garbage = run_cli("report " + path("garbage.json"));
  EXPECT_EQ(garbage.exit_code, 2);
  EXPECT_THAT(garbage.output, HasSubstr("not valid JSON"));
  write("other.json", R"({"schema": "something/2"})");
  RunResult other = run_cli("report " + path("other.json"));
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_THAT(other.output, HasSubstr("opusperf.report/1"));
}

TEST_F(CliTest, UnwritableReportExitsOneAndKeepsTheOldFile) {
  // A report path whose folder is a file cannot be written: exit 1, the message names the file.
  write("not_a_dir", "x");
  RunResult r = run_cli("quickstart basic --frames 2 --width 32 --height 32 --report " +
                        path("not_a_dir/r.json"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("not_a_dir/r.json"));
  // An existing report is replaced whole, never truncated: the old one stays until the rename.
  write("keep.json", "old");
  RunResult ok =
      run_cli("quickstart basic --frames 2 --width 32 --height 32 --report " + path("keep.json"));
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NO_THROW(Report::load(path("keep.json")));
  for (const auto& entry : fs::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
  }
}

TEST_F(CliTest, BenchMicroJsonIsOneObject) {
  RunResult r =
      run_cli("bench micro --filter 'BM_DirectCall$' --min-time 0.01 --json", /*stdout_only=*/true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json doc = nlohmann::json::parse(r.output);
  ASSERT_TRUE(doc.contains("benchmarks"));
  EXPECT_EQ(doc["benchmarks"].size(), 1u);
  EXPECT_EQ(run_cli("bench micro --filter nothing_matches_this --min-time 0.01").exit_code, 2);
}

}  // namespace
}  // namespace opusperf
