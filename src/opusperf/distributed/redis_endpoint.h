// RedisEndpoint: where a Redis server is, parsed from the URL users give on the command line.
//
//   RedisEndpoint e = parse_redis_url("redis://10.0.0.5:6379/2");   // host, port 6379, db 2
//
// Accepted: redis://HOST[:PORT][/DB] (port 6379 and db 0 by default; HOST may be a bracketed IPv6
// literal). Anything else is an InputError naming the URL and what is wrong with it.
//
// Thread-safety: plain value type.
#pragma once

#include <string>
#include <string_view>

namespace opusperf::distributed {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string url() const;  // redis://host:port/db
  bool operator==(const RedisEndpoint&) const = default;
};

// Throws InputError for anything but redis://HOST[:PORT][/DB].
RedisEndpoint parse_redis_url(std::string_view url);

}  // namespace opusperf::distributed
