#include "opusperf/server/monitoring_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "opusperf/core/errors.h"
#include "opusperf/server/prometheus_text.h"
#include "opusperf/server/test_http.h"

namespace opusperf {
namespace {

using opusperf::testing::http_exchange;
using opusperf::testing::RawConnection;
using opusperf::testing::status_of;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A run that counts how often the server asked for its figures.
class FakeView final : public RunView {
 public:
  std::string metrics_text() override {
    ++metrics_calls;
    return "# HELP fake_total A fake.\n# TYPE fake_total counter\nfake_total 1\n";
  }
  nlohmann::json report() override {
    const int n = ++report_calls;
    return {{"schema", "opusperf.report/1"},
            {"system", {{"uptime_ms", n}, {"series", {{{"t_ms", n}, {"rss_bytes", 10 * n}}}}}}};
  }
  std::atomic<int> metrics_calls{0};
  std::atomic<int> report_calls{0};
};

ServerOptions fast_options() {
  ServerOptions o;
  o.stream_interval = std::chrono::milliseconds(20);
  o.read_timeout = std::chrono::milliseconds(300);
  o.write_timeout = std::chrono::milliseconds(300);
  return o;
}

std::string body_of(const std::string& response) {
  const std::size_t at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

TEST(MonitoringServerTest, BindsLoopbackOnAFreePortByDefault) {
  FakeView view;
  MonitoringServer server(view, ServerOptions{});
  EXPECT_EQ(server.address().host, "127.0.0.1");
  EXPECT_GT(server.address().port, 0);
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.address().port));
}

TEST(MonitoringServerTest, ServesEveryEndpoint) {
  FakeView view;
  MonitoringServer server(view, fast_options());
  const int port = server.address().port;

  const std::string page = http_exchange(port, "GET", "/");
  EXPECT_EQ(status_of(page), 200);
  EXPECT_THAT(page, HasSubstr("Content-Type: text/html"));
  EXPECT_THAT(page, HasSubstr("id=\"opusperf-data\""));

  const std::string metrics = http_exchange(port, "GET", "/metrics");
  EXPECT_EQ(status_of(metrics), 200);
  EXPECT_THAT(metrics, HasSubstr("Content-Type: " + std::string(kPrometheusContentType)));
  EXPECT_EQ(body_of(metrics), view.metrics_text());

  const std::string report = http_exchange(port, "GET", "/api/report");
  EXPECT_EQ(status_of(report), 200);
  EXPECT_THAT(report, HasSubstr("Content-Type: application/json"));
  EXPECT_EQ(nlohmann::json::parse(body_of(report))["schema"], "opusperf.report/1");

  const std::string health = http_exchange(port, "GET", "/healthz");
  EXPECT_EQ(status_of(health), 200);
  EXPECT_EQ(body_of(health), "ok\n");

  const std::string head = http_exchange(port, "HEAD", "/healthz");
  EXPECT_EQ(status_of(head), 200);
  EXPECT_EQ(body_of(head), "");
}

TEST(MonitoringServerTest, UnknownPathsAre404AndOtherMethods405) {
  FakeView view;
  MonitoringServer server(view, fast_options());
  const int port = server.address().port;
  EXPECT_EQ(status_of(http_exchange(port, "GET", "/nope")), 404);
  EXPECT_EQ(status_of(http_exchange(port, "GET", "/metrics/extra")), 404);
  EXPECT_EQ(status_of(http_exchange(port, "POST", "/nope")), 404);
  for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    const std::string r = http_exchange(port, method, "/metrics");
    EXPECT_EQ(status_of(r), 405) << method;
    EXPECT_THAT(r, HasSubstr("Allow: GET, HEAD")) << method;
  }
  const std::string stream_head = http_exchange(port, "HEAD", "/api/stream");
  EXPECT_EQ(status_of(stream_head), 405);
  EXPECT_THAT(stream_head, HasSubstr("Allow: GET\r\n"));
  EXPECT_EQ(view.metrics_calls, 0);  // refused before any work
}

TEST(MonitoringServerTest, ASecondServerOnTheSamePortFailsToBind) {
  FakeView view;
  MonitoringServer first(view, fast_options());
  ServerOptions o = fast_options();
  o.address.port = first.address().port;
  EXPECT_THROW(MonitoringServer(view, o), RuntimeError);
}

TEST(MonitoringServerTest, RejectsInvalidOptions) {
  FakeView view;
  ServerOptions o;
  o.threads = 0;
  EXPECT_THROW(MonitoringServer(view, o), InputError);
  o = ServerOptions{};
  o.stream_interval = std::chrono::milliseconds(0);
  EXPECT_THROW(MonitoringServer(view, o), InputError);
}

TEST(MonitoringServerTest, StreamSendsASnapshotEveryInterval) {
  FakeView view;
  MonitoringServer server(view, fast_options());
  RawConnection c(server.address().port);
  ASSERT_TRUE(c.connected());
  c.send("GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string got = c.read_until("id: 3\n");
  EXPECT_THAT(got, HasSubstr("Content-Type: text/event-stream"));
  EXPECT_THAT(got, HasSubstr("retry: 2000"));
  ASSERT_THAT(got, HasSubstr("id: 3\n"));
  const std::size_t first = got.find("data: ");
  const auto snapshot =
      nlohmann::json::parse(got.substr(first + 6, got.find('\n', first) - first - 6));
  EXPECT_EQ(snapshot["stream"]["series"], "full");
  EXPECT_EQ(snapshot["schema"], "opusperf.report/1");
  server.stop();  // ends the open stream
  EXPECT_TRUE(c.read_to_close());
}

TEST(MonitoringServerTest, StreamsAreCappedSoOtherRequestsKeepAThread) {
  FakeView view;
  ServerOptions o = fast_options();
  o.threads = 3;  // one stream allowed: threads - 2
  MonitoringServer server(view, o);
  RawConnection stream(server.address().port);
  stream.send("GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_THAT(stream.read_until("id: 1\n"), HasSubstr("id: 1\n"));
  const std::string second = http_exchange(server.address().port, "GET", "/api/stream");
  EXPECT_EQ(status_of(second), 503);
  EXPECT_THAT(second, HasSubstr("too many open streams"));
  EXPECT_EQ(status_of(http_exchange(server.address().port, "GET", "/healthz")), 200);
}

TEST(MonitoringServerTest, HugeHeadersAreRefusedAndServingGoesOn) {
  FakeView view;
  MonitoringServer server(view, fast_options());
  const int port = server.address().port;
  {
    RawConnection c(port);
    c.send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Huge: " + std::string(1 << 20, 'a') + "\r\n\r\n");
    c.read_to_close();
    // Refused: either a 4xx answer or a closed connection, never the metrics.
    EXPECT_THAT(c.received(), ::testing::Not(HasSubstr("fake_total")));
  }
  {
    RawConnection c(port);
    c.send("GET /" + std::string(100'000, 'p') + " HTTP/1.1\r\nHost: x\r\n\r\n");
    c.read_to_close();
    EXPECT_THAT(c.received(), ::testing::Not(HasSubstr("200 OK")));
  }
  EXPECT_EQ(view.metrics_calls, 0);
  EXPECT_EQ(status_of(http_exchange(port, "GET", "/metrics")), 200);
}

TEST(MonitoringServerTest, StalledClientsAreCutOffWhileOthersAreServed) {
  FakeView view;
  MonitoringServer server(view, fast_options());
  const int port = server.address().port;
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(port));
    stalled.back()->send("GET /metrics HTTP/1.1\r\nHost: x\r\n");  // never finishes its headers
  }
  // Others are served while those hold their threads.
  EXPECT_EQ(status_of(http_exchange(port, "GET", "/healthz")), 200);
  EXPECT_EQ(status_of(http_exchange(port, "GET", "/api/report")), 200);
  // The read timeout closes each stalled connection (our reads give up after 10 s, far beyond it).
  for (auto& c : stalled)
    EXPECT_TRUE(c->read_to_close());
  EXPECT_EQ(view.metrics_calls, 0);
}

TEST(MonitoringServerTest, StopIsIdempotentAndServesNothingAfter) {
  FakeView view;
  MonitoringServer server(view, fast_options());
  const int port = server.address().port;
  server.stop();
  server.stop();
  RawConnection c(port);
  EXPECT_FALSE(c.connected());
}

}  // namespace
}  // namespace opusperf
