#include "opusperf/distributed/redis_endpoint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "opusperf/core/errors.h"

namespace opusperf::distributed {
namespace {

using ::testing::HasSubstr;

TEST(RedisEndpointTest, ParsesHostPortAndDatabase) {
  EXPECT_EQ(parse_redis_url("redis://10.0.0.5:6380/2"), (RedisEndpoint{"10.0.0.5", 6380, 2}));
  EXPECT_EQ(parse_redis_url("redis://cache.local"), (RedisEndpoint{"cache.local", 6379, 0}));
  EXPECT_EQ(parse_redis_url("redis://[::1]:7000"), (RedisEndpoint{"::1", 7000, 0}));
  EXPECT_EQ(parse_redis_url("redis://h:1/0").url(), "redis://h:1/0");
  EXPECT_EQ(parse_redis_url("redis://[::1]:7000").url(), "redis://[::1]:7000/0");
}

TEST(RedisEndpointTest, RejectsWhatIsNotARedisUrlSayingWhy) {
  const auto why = [](const char* url) {
    try {
      parse_redis_url(url);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_THAT(why("http://h:1"), HasSubstr("does not start with redis://"));
  EXPECT_THAT(why("redis://"), HasSubstr("no host"));
  EXPECT_THAT(why("redis://h:port"), HasSubstr("port 'port' is not a number"));
  EXPECT_THAT(why("redis://h:70000"), HasSubstr("0 .. 65535"));
  EXPECT_THAT(why("redis://h:0"), HasSubstr("port 0"));
  EXPECT_THAT(why("redis://h:1/x"), HasSubstr("database 'x'"));
  EXPECT_THAT(why("redis://[::1:5"), HasSubstr("unclosed"));
}

}  // namespace
}  // namespace opusperf::distributed
