#include "opusperf/server/listen_address.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

using ::testing::HasSubstr;

TEST(ListenAddressTest, PortAloneBindsLoopback) {
  EXPECT_EQ(parse_listen_address("8080"), (ListenAddress{"127.0.0.1", 8080}));
  EXPECT_EQ(parse_listen_address("0"), (ListenAddress{"127.0.0.1", 0}));
}

TEST(ListenAddressTest, HostAndIpv6) {
  EXPECT_EQ(parse_listen_address("0.0.0.0:9464"), (ListenAddress{"0.0.0.0", 9464}));
  EXPECT_EQ(parse_listen_address("localhost:1"), (ListenAddress{"localhost", 1}));
  EXPECT_EQ(parse_listen_address("[::1]:65535"), (ListenAddress{"::1", 65535}));
}

TEST(ListenAddressTest, RejectsBadInputNamingTheFlag) {
  for (const char* bad : {"", "x", "80x", "-1", "65536", ":80", "host:", "::1:80", "[::1]80",
                          "[::1", "1.2.3.4:99999"}) {
    try {
      parse_listen_address(bad, "--serve");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr("--serve")) << bad;
    }
  }
}

TEST(ListenAddressTest, UrlBracketsIpv6) {
  EXPECT_EQ(http_url({"127.0.0.1", 80}), "http://127.0.0.1:80");
  EXPECT_EQ(http_url({"::1", 80}), "http://[::1]:80");
}

}  // namespace
}  // namespace opusperf
