#include "opusperf/server/listen_address.h"

#include <fmt/format.h>

#include <charconv>

#include "opusperf/core/errors.h"

namespace opusperf {

ListenAddress parse_listen_address(std::string_view text, std::string_view what) {
  ListenAddress out;
  std::string_view port_text = text;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw InputError(fmt::format(
          "{} '{}': an IPv6 address is written [ADDR]:PORT, e.g. [::1]:9464", what, text));
    }
    out.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) {
      throw InputError(
          fmt::format("{} '{}': put an IPv6 address in brackets, [ADDR]:PORT", what, text));
    }
    out.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  if (out.host.empty()) {
    throw InputError(fmt::format("{} '{}': the address before ':' is empty", what, text));
  }
  int port = -1;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port < 0 || port > 65535) {
    throw InputError(
        fmt::format("{} '{}': the port must be a number from 0 to 65535 (0: any free "
                    "port), written [ADDR:]PORT",
                    what, text));
  }
  out.port = port;
  return out;
}

std::string http_url(const ListenAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return v6 ? fmt::format("http://[{}]:{}", address.host, address.port)
            : fmt::format("http://{}:{}", address.host, address.port);
}

}  // namespace opusperf
