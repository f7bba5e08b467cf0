// End-to-end tests of scale-out on Redis, as a user runs it: a real redis-server on a loopback port
// (started and stopped by the test), `opusperf worker` processes and an `opusperf clip
// --distributed` coordinator. The manifest must equal a local run's on the sample media; a worker
// killed with SIGKILL mid-job loses nothing; Redis stopped during a --cache-tier run only costs
// counted fallbacks; the worker serves /metrics with --serve; bad flags exit 2.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "opusperf/distributed/redis_test_server.h"
#include "run_cli.h"

namespace opusperf {
namespace {

namespace fs = std::filesystem;
using distributed::RedisConnection;
using distributed::RedisTestServer;
using e2e::run_cli;
using e2e::RunResult;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

const fs::path kMedia = fs::path(OPUSPERF_TEST_SRC_DIR) / "../../data/media";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// An `opusperf worker` process with its output in a file.
class WorkerProcess {
 public:
  WorkerProcess(const std::string& url, const std::string& name, const fs::path& log,
                std::vector<std::string> extra = {})
      : log_(log) {
    std::vector<std::string> args = {OPUSPERF_CLI, "--log-level", "info",   "worker",
                                     "--redis",    url,           "--name", name};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // no stray worker when the test itself is killed
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (std::string& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~WorkerProcess() { stop(SIGTERM); }
  WorkerProcess(const WorkerProcess&) = delete;
  WorkerProcess& operator=(const WorkerProcess&) = delete;

  // Sends `sig` and waits for the process; returns its exit status.
  int stop(int sig) {
    if (pid_ <= 0) return status_;
    ::kill(pid_, sig);
    ::waitpid(pid_, &status_, 0);
    pid_ = -1;
    return status_;
  }
  std::string log() const { return slurp(log_); }
  // Waits until the log matches `pattern` (up to `limit`); returns the match's first group.
  std::string wait_for(const std::regex& pattern, std::chrono::milliseconds limit) const {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      std::smatch m;
      const std::string text = log();
      if (std::regex_search(text, m, pattern)) return m.size() > 1 ? m[1].str() : m[0].str();
      std::this_thread::sleep_for(5ms);
    }
    return "";
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int status_ = -1;
};

class DistributedCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!redis_.started()) GTEST_SKIP() << "no redis-server: " << redis_.why_not();
    dir_ = fs::temp_directory_path() /
           ("opusperf_distributed_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string p(const std::string& name) const { return (dir_ / name).string(); }
  static bool have_media() {
    return fs::exists(kMedia / "vtest.avi") && fs::exists(kMedia / "Megamind.avi");
  }

  // Runs clip and returns its JSON (fails the test on a non-zero exit).
  nlohmann::json clip(const std::string& args) {
    const RunResult r = run_cli("clip " + args + " --json", true);
    EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
    return nlohmann::json::parse(r.output, nullptr, false);
  }
  static void expect_same_manifest(const nlohmann::json& a, const nlohmann::json& b) {
    ASSERT_FALSE(a.is_discarded());
    ASSERT_FALSE(b.is_discarded());
    EXPECT_EQ(a["frames"], b["frames"]);
    EXPECT_EQ(a["cuts"], b["cuts"]);
    ASSERT_EQ(a["clips"].size(), b["clips"].size());
    for (std::size_t i = 0; i < a["clips"].size(); ++i) {
      for (const char* k : {"start", "end", "score", "frames"})
        EXPECT_EQ(a["clips"][i][k], b["clips"][i][k]) << "clip " << i << " " << k;
    }
  }

  RedisTestServer redis_;
  fs::path dir_;
};

TEST_F(DistributedCliTest, ThreeWorkerProcessesGiveTheLocalManifest) {
  if (!have_media()) GTEST_SKIP() << "sample media absent (scripts/fetch-media.sh fetches them)";
  WorkerProcess w1(redis_.url(), "w1", p("w1.log")), w2(redis_.url(), "w2", p("w2.log")),
      w3(redis_.url(), "w3", p("w3.log"));
  for (const char* video : {"Megamind.avi", "vtest.avi"}) {
    const std::string v = (kMedia / video).string();
    const nlohmann::json local = clip(v + " --no-cache --out " + p(std::string("local_") + video));
    const nlohmann::json dist = clip(v + " --no-cache --out " + p(std::string("dist_") + video) +
                                     " --distributed " + redis_.url());
    SCOPED_TRACE(video);
    expect_same_manifest(dist, local);
    for (const auto& c : dist["clips"])
      EXPECT_TRUE(fs::exists(c["file"].get<std::string>()));
    std::uint64_t chunks = 0;
    for (const auto& [name, w] : dist["distributed"]["workers"].items())
      chunks += w["chunks"].get<std::uint64_t>();
    EXPECT_EQ(chunks, dist["distributed"]["chunks"].get<std::uint64_t>());
    // Every worker's heartbeat (load, health) is in the coordinator's result.
    for (const char* name : {"w1", "w2", "w3"}) {
      ASSERT_TRUE(dist["distributed"]["workers_alive"].contains(name)) << dist.dump();
      EXPECT_TRUE(dist["distributed"]["workers_alive"][name]["healthy"].get<bool>());
    }
  }
  EXPECT_EQ(w1.stop(SIGTERM), 0);
  EXPECT_THAT(w1.log(), HasSubstr("stopped;"));
}

TEST_F(DistributedCliTest, AWorkerKilledMidJobLosesNothing) {
  if (!have_media()) GTEST_SKIP() << "sample media absent (scripts/fetch-media.sh fetches them)";
  const std::string v = (kMedia / "vtest.avi").string();
  const nlohmann::json local = clip(v + " --no-cache --analyze-only");
  // Worker A alone takes the first job; it is killed while decoding it.
  auto a = std::make_unique<WorkerProcess>(redis_.url(), "A", p("a.log"),
                                           std::vector<std::string>{"--no-cache-tier"});
  auto coordinator = std::async(std::launch::async, [&] {
    return clip(v + " --no-cache --analyze-only --distributed " + redis_.url());
  });
  ASSERT_NE(a->wait_for(std::regex("chunk \\d+/\\d+ of run \\w+ started"), 30s), "") << a->log();
  a->stop(SIGKILL);
  {
    RedisConnection c(redis_.endpoint(), 2s);
    const auto pending = c.command({"XPENDING", "opusperf:jobs", "workers", "-", "+", "10", "A"});
    EXPECT_EQ(pending.size(), 1u) << "A was not holding a job when it was killed";
  }
  WorkerProcess b(redis_.url(), "B", p("b.log"), {"--visibility-timeout", "1"}),
      c(redis_.url(), "C", p("c.log"), {"--visibility-timeout", "1"});
  const nlohmann::json dist = coordinator.get();
  expect_same_manifest(dist, local);
  EXPECT_GE(dist["distributed"]["retried"].get<int>(), 1);
  EXPECT_FALSE(dist["distributed"]["workers"].contains("A"));
  EXPECT_THAT(b.log() + c.log(), HasSubstr("(reclaimed)"));
}

TEST_F(DistributedCliTest, RedisStoppedDuringACacheTierRunCostsOnlyFallbacks) {
  if (!have_media()) GTEST_SKIP() << "sample media absent (scripts/fetch-media.sh fetches them)";
  const std::string v = (kMedia / "vtest.avi").string();
  const nlohmann::json local = clip(v + " --no-cache --analyze-only");
  auto run = std::async(std::launch::async, [&] {
    return clip(v + " --analyze-only --threads 1 --cache-dir " + p("cache") + " --cache-tier " +
                redis_.url() + " --report " + p("report.json"));
  });
  std::this_thread::sleep_for(100ms);
  redis_.stop();
  const nlohmann::json r = run.get();
  expect_same_manifest(r, local);
  EXPECT_GE(r["cache_tier"]["fallbacks"].get<int>(), 1);
  EXPECT_THAT(slurp(p("report.json")), HasSubstr("opusperf_cache_tier_requests_total"));
}

TEST_F(DistributedCliTest, WorkerServesItsMetrics) {
  WorkerProcess w(redis_.url(), "served", p("w.log"), {"--serve", "127.0.0.1:0"});
  const std::string port = w.wait_for(std::regex("serving http://127\\.0\\.0\\.1:(\\d+)/"), 20s);
  ASSERT_NE(port, "") << w.log();
  httplib::Client http("127.0.0.1", std::stoi(port));
  const auto res = http.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("opusperf_worker_jobs_total"));
  // Its heartbeat is in Redis for coordinators and operators to read.
  RedisConnection c(redis_.endpoint(), 2s);
  std::string beat;
  for (int i = 0; i < 100 && beat.empty(); ++i) {
    beat = c.command({"HGET", "opusperf:workers", "served"}).str;
    if (beat.empty()) std::this_thread::sleep_for(50ms);
  }
  EXPECT_THAT(beat, HasSubstr("\"in_flight\""));
}

TEST_F(DistributedCliTest, BadFlagsAndAnUnreachableRedisAreClearErrors) {
  EXPECT_EQ(run_cli("worker").exit_code, 2);
  RunResult r = run_cli("worker --redis http://x:1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.output, HasSubstr("does not start with redis://"));
  EXPECT_EQ(run_cli("worker --redis " + redis_.url() + " --concurrency 0").exit_code, 2);
  EXPECT_EQ(run_cli("clip --analyze-only --distributed redis://h:port").exit_code, 2);
  r = run_cli("clip --analyze-only --no-cache --distributed redis://127.0.0.1:1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.output, HasSubstr("cannot connect to Redis at redis://127.0.0.1:1"));
}

}  // namespace
}  // namespace opusperf
