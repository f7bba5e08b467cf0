// End-to-end tests of the server-facing commands: `quickstart --serve`, `report --html`,
// `report --compare --fail-over` (exit 3 on a regression) and their bad-input exits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

namespace opusperf {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

RunResult run_cli(const std::string& args) {
  const std::string cmd = std::string(OPUSPERF_CLI) + " " + args + " 2>&1";
  RunResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;)
    r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

class ServeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("opusperf_serve_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Writes a minimal valid report with one operation.
  std::string write_report(const std::string& name, double p50, double p90) const {
    nlohmann::json doc = {{"schema", "opusperf.report/1"}};
    for (const char* s : {"system", "operations", "cache", "memory", "gpu", "balance", "tune"})
      doc[s] = {{"enabled", false}};
    doc["operations"] = {
        {"enabled", true},
        {"by_name",
         {{"decode",
           {{"calls", 50},
            {"errors", 0},
            {"wall_ms", {{"mean", p50}, {"p50", p50}, {"p90", p90}, {"p99", p90}, {"max", p90}}},
            {"cpu_ms_mean", p50},
            {"units_total", 50},
            {"throughput_units_per_s", 1000 / p50}}}}}};
    std::ofstream(path(name)) << doc.dump(2);
    return path(name);
  }

  fs::path dir_;
};

TEST_F(ServeCliTest, QuickstartServesWhileItRunsAndStopsWithIt) {
  const RunResult r = run_cli("quickstart basic --frames 30 --width 64 --height 48 --serve 0");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::regex_search(r.output, std::regex("serving http://127\\.0\\.0\\.1:[0-9]+/")))
      << r.output;
}

TEST_F(ServeCliTest, BadServeFlagsExit2) {
  RunResult r = run_cli("quickstart basic --frames 3 --serve 70000");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--serve"));
  r = run_cli("quickstart basic --frames 3 --serve 0 --linger -1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--linger"));
}

TEST_F(ServeCliTest, ReportWritesSelfContainedHtml) {
  const std::string report = write_report("run.json", 2, 3);
  const RunResult r = run_cli("report " + report + " --html " + path("run.html"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(path("run.html"));
  const std::string html((std::istreambuf_iterator<char>(in)), {});
  EXPECT_THAT(html, HasSubstr("<!doctype html>"));
  EXPECT_THAT(html, HasSubstr("\"decode\""));
  EXPECT_THAT(html, ::testing::Not(HasSubstr("src=\"http")));
}

TEST_F(ServeCliTest, CompareShowsSharedMetricsAndGatesOnRegression) {
  const std::string a = write_report("a.json", 10, 11);
  const std::string b = write_report("b.json", 13, 14);  // p50 30% slower, spread 10%
  RunResult r = run_cli("report " + b + " --compare " + a);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("operations.decode.p50_ms"));
  EXPECT_THAT(r.output, HasSubstr("+30.0%"));
  EXPECT_THAT(r.output, HasSubstr("±10.0%"));

  r = run_cli("report " + b + " --compare " + a + " --fail-over 20");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_THAT(r.output, HasSubstr("REGRESSION operations.decode.p50_ms"));

  r = run_cli("report " + b + " --compare " + a + " --fail-over 40");
  EXPECT_EQ(r.exit_code, 0) << r.output;

  // The reverse direction is an improvement, never a regression.
  r = run_cli("report " + a + " --compare " + b + " --fail-over 0");
  EXPECT_EQ(r.exit_code, 0) << r.output;

  r = run_cli("report " + b + " --compare " + a +
              " --fail-over 5 --metric "
              "'operations.*.throughput_per_s'");
  EXPECT_EQ(r.exit_code, 3) << r.output;
}

TEST_F(ServeCliTest, CompareBadInputExits2) {
  const std::string a = write_report("a.json", 10, 11);
  RunResult r = run_cli("report " + a + " --fail-over 5");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--compare"));
  r = run_cli("report " + a + " --compare " + a + " --fail-over 5 --metric nothing.like.this");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("--metric"));
  r = run_cli("report " + a + " --compare " + path("missing.json"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_THAT(r.output, HasSubstr("missing.json"));
}

}  // namespace
}  // namespace opusperf
