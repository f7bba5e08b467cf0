// RedisConnection: one blocking connection to a Redis server (hiredis), with a timeout on connect
// and on every command, and replies turned into plain values.
//
//   RedisConnection c(parse_redis_url("redis://127.0.0.1:6379"), std::chrono::milliseconds(200));
//   c.command({"SET", "k", bytes});
//   RedisValue v = c.command({"GET", "k"});        // v.is_nil() or v.str
//
// Errors: a server that cannot be reached, a timeout or a broken connection throw RedisError and
// leave the connection broken() (make a new one); an error reply ("-ERR ...", "-NOGROUP ...")
// throws RedisReplyError and leaves the connection usable. Arguments are binary-safe.
//
// Thread-safety: one thread at a time (hiredis contexts are not shared); give each thread its own
// connection or guard it with a mutex.
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/core/errors.h"
#include "opusperf/distributed/redis_endpoint.h"

struct redisContext;

namespace opusperf::distributed {

// Redis could not be reached, timed out or dropped the connection.
class RedisError : public RuntimeError {
 public:
  using RuntimeError::RuntimeError;
};

// The server answered with an error reply; the connection is still good.
class RedisReplyError : public RedisError {
 public:
  using RedisError::RedisError;
};

// A reply as a plain value tree.
struct RedisValue {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus
  long long integer = 0;
  std::vector<RedisValue> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_array() const { return type == Type::kArray; }
  std::size_t size() const { return elements.size(); }
  const RedisValue& operator[](std::size_t i) const { return elements.at(i); }
};

class RedisConnection {
 public:
  // Connects (and SELECTs endpoint.db when not 0). Throws RedisError naming the endpoint.
  RedisConnection(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and returns its reply. Throws RedisError / RedisReplyError (see above).
  RedisValue command(const std::vector<std::string_view>& args);
  RedisValue command(std::initializer_list<std::string_view> args) {
    return command(std::vector<std::string_view>(args));
  }
  // Changes the per-command timeout (e.g. longer for a blocking XREADGROUP).
  void set_timeout(std::chrono::milliseconds timeout);

  bool broken() const { return broken_; }
  const RedisEndpoint& endpoint() const { return endpoint_; }

 private:
  RedisEndpoint endpoint_;
  redisContext* context_ = nullptr;
  bool broken_ = false;
};

}  // namespace opusperf::distributed
