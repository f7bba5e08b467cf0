#include "opusperf/distributed/redis_endpoint.h"

#include <fmt/format.h>

#include <charconv>

#include "opusperf/core/errors.h"

namespace opusperf::distributed {
namespace {

[[noreturn]] void bad_url(std::string_view url, std::string_view why) {
  throw InputError(
      fmt::format("'{}' is not a Redis URL ({}); expected redis://HOST[:PORT][/DB]", url, why));
}

int parse_number(std::string_view url, std::string_view text, int max, std::string_view what) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 0 || v > max) {
    bad_url(url, fmt::format("{} '{}' is not a number in 0 .. {}", what, text, max));
  }
  return v;
}

}  // namespace

std::string RedisEndpoint::url() const {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("redis://{}{}{}:{}/{}", v6 ? "[" : "", host, v6 ? "]" : "", port, db);
}

RedisEndpoint parse_redis_url(std::string_view url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.substr(0, kScheme.size()) != kScheme) bad_url(url, "it does not start with redis://");
  std::string_view rest = url.substr(kScheme.size());
  RedisEndpoint e;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    e.db = parse_number(url, rest.substr(slash + 1), 1 << 20, "database");
    rest = rest.substr(0, slash);
  }
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]:port
    const auto close = rest.find(']');
    if (close == std::string_view::npos) bad_url(url, "unclosed '[' in the host");
    e.host = std::string(rest.substr(1, close - 1));
    rest = rest.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') bad_url(url, "expected ':' after the IPv6 host");
      e.port = parse_number(url, rest.substr(1), 65535, "port");
    }
  } else {
    const auto colon = rest.find(':');
    e.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos)
      e.port = parse_number(url, rest.substr(colon + 1), 65535, "port");
  }
  if (e.host.empty()) bad_url(url, "no host");
  if (e.port == 0) bad_url(url, "port 0");
  return e;
}

}  // namespace opusperf::distributed
