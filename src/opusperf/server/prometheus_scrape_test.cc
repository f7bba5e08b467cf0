// A real Prometheus server (Debian's prometheus package) scrapes a MonitoringServer on loopback and
// a query returns our series. Skips when the prometheus binary is absent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "opusperf/core/profiles.h"
#include "opusperf/server/monitoring_server.h"
#include "opusperf/server/optimizer_view.h"

namespace opusperf {
namespace {

namespace fs = std::filesystem;

// Returns a TCP port that was free on 127.0.0.1 a moment ago.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Runs `prometheus` with `args` (stdout and stderr to `log`) until destroyed.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& args, const fs::path& log) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
  }
  ~ChildProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Returns whether the process is still running.
  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(PrometheusScrapeTest, ARealPrometheusScrapesOurSeries) {
  if (std::system("command -v prometheus >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "prometheus not found (Debian package prometheus; scripts/install-deps.sh "
                    "installs it)";
  }
  OptimizationConfig config = profiles::development();
  config.enable_monitoring = false;
  PerformanceOptimizer opt(config);
  for (int i = 0; i < 7; ++i)
    opt.optimize_operation("scraped_operation", [] {});
  opt.metrics().counter("myservice_scraped_total", "Custom.", {"kind"}).with({"a"}).inc(3);
  OptimizerView view(opt);
  MonitoringServer server(view, ServerOptions{});

  const fs::path dir =
      fs::temp_directory_path() / ("opusperf_prometheus_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "prometheus.yml")
      << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      << "scrape_configs:\n  - job_name: opusperf\n    static_configs:\n"
      << "      - targets: ['127.0.0.1:" << server.address().port << "']\n";
  const int port = free_port();
  std::string result;
  {
    ChildProcess prometheus(
        {"prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
         "--storage.tsdb.path=" + (dir / "data").string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
        dir / "prometheus.log");
    httplib::Client client("127.0.0.1", port);
    client.set_connection_timeout(std::chrono::seconds(1));
    client.set_read_timeout(std::chrono::seconds(5));
    // Prometheus starts, scrapes every second, and answers once a scrape has landed. The deadline
    // only bounds a failing run.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline && prometheus.running()) {
      auto res = client.Get(
          "/api/v1/"
          "query?query=opusperf_operation_calls_total%7Boperation%3D%22scraped_operation%22%7D");
      if (res && res->status == 200) {
        const auto doc = nlohmann::json::parse(res->body);
        if (!doc["data"]["result"].empty()) {
          result = res->body;
          break;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (!result.empty()) {
      auto custom = client.Get("/api/v1/query?query=myservice_scraped_total");
      ASSERT_TRUE(custom);
      EXPECT_THAT(custom->body, ::testing::HasSubstr("\"3\""));
      auto up = client.Get("/api/v1/query?query=up%7Bjob%3D%22opusperf%22%7D");
      ASSERT_TRUE(up);
      EXPECT_THAT(up->body, ::testing::HasSubstr("\"1\""));
    }
  }
  ASSERT_FALSE(result.empty()) << "no series after 90 s; prometheus log:\n"
                               << read_file(dir / "prometheus.log");
  const auto doc = nlohmann::json::parse(result);
  const auto& series = doc["data"]["result"][0];
  EXPECT_EQ(series["metric"]["job"], "opusperf");
  EXPECT_EQ(series["metric"]["operation"], "scraped_operation");
  EXPECT_EQ(series["value"][1], "7");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace opusperf
