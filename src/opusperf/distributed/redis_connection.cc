#include "opusperf/distributed/redis_connection.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>

namespace opusperf::distributed {
namespace {

timeval to_timeval(std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  return tv;
}

RedisValue convert(const redisReply* r) {
  RedisValue v;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      v.type = RedisValue::Type::kString;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      v.type = RedisValue::Type::kStatus;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      v.type = RedisValue::Type::kInteger;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      v.type = RedisValue::Type::kArray;
      v.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i)
        v.elements.push_back(convert(r->element[i]));
      break;
    default:
      break;  // nil
  }
  return v;
}

}  // namespace

RedisConnection::RedisConnection(const RedisEndpoint& endpoint, std::chrono::milliseconds timeout)
    : endpoint_(endpoint) {
  context_ = redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, to_timeval(timeout));
  if (context_ == nullptr || context_->err != 0) {
    const std::string why = context_ != nullptr ? context_->errstr : "out of memory";
    if (context_ != nullptr) redisFree(context_);
    context_ = nullptr;
    throw RedisError(fmt::format("cannot connect to Redis at {}: {}", endpoint.url(), why));
  }
  set_timeout(timeout);
  if (endpoint.db != 0) command({"SELECT", std::to_string(endpoint.db)});
}

RedisConnection::~RedisConnection() {
  if (context_ != nullptr) redisFree(context_);
}

void RedisConnection::set_timeout(std::chrono::milliseconds timeout) {
  const timeval tv = to_timeval(timeout);
  if (context_ != nullptr && redisSetTimeout(context_, tv) != REDIS_OK) broken_ = true;
}

RedisValue RedisConnection::command(const std::vector<std::string_view>& args) {
  if (broken_ || context_ == nullptr) {
    throw RedisError(fmt::format("Redis connection to {} is broken", endpoint_.url()));
  }
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lens.data()));
  if (reply == nullptr) {
    broken_ = true;
    throw RedisError(fmt::format("Redis at {}: {} failed: {}", endpoint_.url(),
                                 args.empty() ? "" : args[0], context_->errstr));
  }
  std::unique_ptr<redisReply, void (*)(void*)> owned(reply, freeReplyObject);
  if (reply->type == REDIS_REPLY_ERROR) {
    throw RedisReplyError(fmt::format("Redis at {}: {}: {}", endpoint_.url(),
                                      args.empty() ? "" : args[0],
                                      std::string(reply->str, reply->len)));
  }
  return convert(reply);
}

}  // namespace opusperf::distributed
