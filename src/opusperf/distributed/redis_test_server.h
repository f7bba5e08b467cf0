// Test support: a throw-away redis-server on a loopback port, started and stopped by the test.
//
//   RedisTestServer redis;                  // starts redis-server on 127.0.0.1:<free port>
//   if (!redis.started()) GTEST_SKIP() << redis.why_not();
//   RedisConnection c(redis.endpoint(), 1s);
//   redis.stop();  redis.start();           // same port: an outage and a recovery
//   redis.pause();  redis.resume();         // up but not answering (a slow Redis)
//
// No persistence (--save "" --appendonly no), its files in a temp folder removed at the end. The
// port is chosen by binding port 0 and releasing it; a start that loses the race tries another.
// For tests only: not part of the library.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "opusperf/distributed/redis_connection.h"

namespace opusperf::distributed {

class RedisTestServer {
 public:
  static constexpr const char* kBinary = "/usr/bin/redis-server";

  RedisTestServer() {
    dir_ = std::filesystem::temp_directory_path() /
           ("opusperf_redis_" + std::to_string(::getpid()) + "_" + std::to_string(++counter()));
    std::filesystem::create_directories(dir_);
    for (int tries = 0; tries < 5 && !started(); ++tries) {
      endpoint_.port = free_port();
      start();
    }
  }
  ~RedisTestServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisTestServer(const RedisTestServer&) = delete;
  RedisTestServer& operator=(const RedisTestServer&) = delete;

  bool started() const { return pid_ > 0; }
  std::string why_not() const { return why_; }
  const RedisEndpoint& endpoint() const { return endpoint_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(endpoint_.port); }

  // Starts redis-server on endpoint().port and waits until it answers (up to 5 s).
  void start() {
    if (pid_ > 0) return;
    if (::access(kBinary, X_OK) != 0) {
      why_ = std::string(kBinary) + " is not installed (scripts/install-deps.sh installs it)";
      return;
    }
    const std::string port = std::to_string(endpoint_.port);
    const std::string log = (dir_ / "redis.log").string();
    const pid_t pid = ::fork();
    if (pid == 0) {
      // Dies with the test, even when the test is killed (ctest's timeout) before its destructor.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::execl(kBinary, kBinary, "--port", port.c_str(), "--bind", "127.0.0.1", "--save", "",
              "--appendonly", "no", "--dir", dir_.c_str(), "--logfile", log.c_str(), nullptr);
      ::_exit(127);
    }
    pid_ = pid;
    for (int i = 0; i < 100; ++i) {
      try {
        RedisConnection c(endpoint_, std::chrono::milliseconds(200));
        c.command({"PING"});
        return;
      } catch (const std::exception& e) {
        why_ = e.what();
      }
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: port taken
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    stop();
  }

  // Freezes / thaws the server (SIGSTOP / SIGCONT): a Redis that is up but does not answer.
  void pause() {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
  }
  void resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
  }

  // Kills the server (SIGKILL: an outage, not a shutdown) and reaps it.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      port = ntohs(a.sin_port);
    }
    ::close(fd);
    return port;
  }

  std::filesystem::path dir_;
  RedisEndpoint endpoint_;
  pid_t pid_ = -1;
  std::string why_;
};

}  // namespace opusperf::distributed
