// Test helpers: a raw TCP client for loopback HTTP tests, able to send what a well-behaved client
// would not (partial requests, huge headers) and to read a response or an event stream.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>

namespace opusperf::testing {

class RawConnection {
 public:
  // Connects to 127.0.0.1:port; reads give up after `timeout` without data.
  RawConnection(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // Sends all of `data`; returns false if the peer closed or failed.
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads until `needle` has been received, the peer closes, or a read times out. Returns what was
  // received so far (everything, not just up to the needle).
  std::string read_until(std::string_view needle) {
    while (received_.find(needle) == std::string::npos) {
      if (!read_some()) break;
    }
    return received_;
  }
  // Reads until the peer closes (true) or a read times out (false).
  bool read_to_close() {
    while (true) {
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      received_.append(buf, static_cast<std::size_t>(n));
    }
  }
  const std::string& received() const { return received_; }

 private:
  bool read_some() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) return false;
    received_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string received_;
};

// Sends one HTTP/1.1 request with Connection: close and returns the whole response.
inline std::string http_exchange(int port, std::string_view method, std::string_view path) {
  RawConnection c(port);
  c.send(std::string(method) + " " + std::string(path) +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  c.read_to_close();
  return c.received();
}

// Returns the status code of an HTTP response text, or 0.
inline int status_of(std::string_view response) {
  if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) return 0;
  return std::stoi(std::string(response.substr(9, 3)));
}

}  // namespace opusperf::testing
