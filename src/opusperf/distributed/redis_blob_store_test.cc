// RedisBlobStore against a real redis-server on loopback (started by the test): values round-trip
// with their TTL, and an outage (server killed, or frozen so calls time out) is a counted fallback
// that never fails the caller, followed by an automatic reconnect when the server is back.
#include "opusperf/distributed/redis_blob_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "opusperf/distributed/redis_test_server.h"

namespace opusperf::distributed {
namespace {

using namespace std::chrono_literals;

class RedisBlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!redis_.started()) GTEST_SKIP() << "no redis-server: " << redis_.why_not();
  }
  RedisBlobStoreOptions options() {
    RedisBlobStoreOptions o;
    o.endpoint = redis_.endpoint();
    o.key_prefix = "t:";
    o.timeout = 200ms;
    o.min_retry = 100ms;
    o.max_retry = 200ms;
    o.metrics = &metrics_;
    return o;
  }
  RedisTestServer redis_;
  Registry metrics_;
};

TEST_F(RedisBlobStoreTest, ValuesRoundTripUnderThePrefixWithTheirTtl) {
  RedisBlobStore store(options());
  EXPECT_FALSE(store.get("a"));
  const std::string bytes("\0\1binary\0", 9);
  store.put("a", bytes);
  EXPECT_EQ(store.get("a"), bytes);
  RedisConnection c(redis_.endpoint(), 1s);
  EXPECT_EQ(c.command({"GET", "t:a"}).str, bytes);
  const long long ttl = c.command({"TTL", "t:a"}).integer;
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 24 * 3600);
  const RedisBlobStoreStats s = store.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.stores, 1u);
  EXPECT_EQ(s.fallbacks, 0u);
  EXPECT_EQ(metrics_.counter("opusperf_cache_tier_requests_total", "", {"tier", "result"})
                .with({"redis", "hit"})
                .value(),
            1u);
}

TEST_F(RedisBlobStoreTest, ValuesOverTheSizeCapAreNotStored) {
  RedisBlobStoreOptions o = options();
  o.max_value_bytes = 4;
  RedisBlobStore store(o);
  store.put("big", "12345");
  store.put("ok", "1234");
  EXPECT_FALSE(store.get("big"));
  EXPECT_EQ(store.get("ok"), "1234");
  EXPECT_EQ(store.stats().too_large, 1u);
}

TEST_F(RedisBlobStoreTest, ADeadServerIsAFallbackThenItReconnectsOnItsOwn) {
  RedisBlobStore store(options());
  store.put("k", "v");
  redis_.stop();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(store.get("k"));
    store.put("k2", "v2");
  }
  // Backing off: 40 calls cost about one failed connect, not 40.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(store.available());
  EXPECT_EQ(store.stats().fallbacks, 40u);
  redis_.start();  // same port, empty (no persistence)
  ASSERT_TRUE(redis_.started());
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    store.put("k", "again");
    back = store.get("k") == std::optional<std::string>("again");
    if (!back) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(back);
  EXPECT_TRUE(store.available());
  EXPECT_GE(store.stats().reconnects, 1u);
}

TEST_F(RedisBlobStoreTest, AFrozenServerTimesOutIntoAFallback) {
  RedisBlobStore store(options());
  store.put("k", "v");
  redis_.pause();
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(store.get("k"));
  const auto waited = std::chrono::steady_clock::now() - t0;
  redis_.resume();
  EXPECT_LT(waited, 3s);  // bounded by the 200 ms timeout, not by the server
  EXPECT_EQ(store.stats().fallbacks, 1u);
}

TEST(RedisBlobStoreOptionsTest, RejectsAnEmptyPrefixAndAZeroTimeout) {
  RedisBlobStoreOptions o;
  o.key_prefix = "";
  EXPECT_THROW(RedisBlobStore{o}, InputError);
  o.key_prefix = "p:";
  o.timeout = std::chrono::milliseconds(0);
  EXPECT_THROW(RedisBlobStore{o}, InputError);
}

}  // namespace
}  // namespace opusperf::distributed
