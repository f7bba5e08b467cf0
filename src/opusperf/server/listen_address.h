// ListenAddress: where a MonitoringServer listens, parsed from the `--serve [ADDR:]PORT` syntax.
//
//   parse_listen_address("8080")            -> {"127.0.0.1", 8080}   loopback unless told otherwise
//   parse_listen_address("0.0.0.0:8080")    -> {"0.0.0.0", 8080}     every interface, on request
//   parse_listen_address("[::1]:0")         -> {"::1", 0}            port 0: any free port
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace opusperf {

struct ListenAddress {
  // The dashboard shows everything about the process, so only this machine may reach it by default.
  static constexpr std::string_view kDefaultHost = "127.0.0.1";

  std::string host = std::string(kDefaultHost);
  int port = 0;  // 0 = let the OS pick a free port

  friend bool operator==(const ListenAddress&, const ListenAddress&) = default;
};

// Returns the address `text` names: "PORT", "HOST:PORT" or "[IPV6]:PORT", PORT in 0..65535.
// `what` names the source in errors (e.g. "--serve"). Throws InputError naming what is wrong.
ListenAddress parse_listen_address(std::string_view text, std::string_view what = "--serve");

// Returns "http://HOST:PORT" (IPv6 hosts in brackets) for a bound address.
std::string http_url(const ListenAddress& address);

}  // namespace opusperf
