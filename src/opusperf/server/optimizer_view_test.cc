#include "opusperf/server/optimizer_view.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "opusperf/core/profiles.h"
#include "opusperf/server/monitoring_server.h"
#include "opusperf/server/test_http.h"

namespace opusperf {
namespace {

using ::testing::HasSubstr;

OptimizationConfig quiet_config() {
  OptimizationConfig c = profiles::development();
  c.enable_monitoring = false;  // no background thread: samples come from report() only
  return c;
}

TEST(OptimizerViewTest, MetricsHaveRegistryOperationAndSystemFamilies) {
  PerformanceOptimizer opt(quiet_config());
  opt.metrics().counter("myservice_jobs_total", "Jobs.", {"kind"}).with({"encode"}).inc(4);
  opt.optimize_operation({"decode", 3}, [] {});
  opt.optimize_operation({"decode", 3}, [] {});
  OptimizerView view(opt);
  const std::string text = view.metrics_text();
  EXPECT_THAT(text, HasSubstr("myservice_jobs_total{kind=\"encode\"} 4\n"));
  EXPECT_THAT(text, HasSubstr("opusperf_operation_calls_total{operation=\"decode\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("opusperf_operation_units_total{operation=\"decode\"} 6\n"));
  EXPECT_THAT(text,
              HasSubstr("opusperf_operation_duration_seconds_count{operation=\"decode\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE opusperf_process_resident_memory_bytes gauge\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE opusperf_system_memory_total_bytes gauge\n"));
}

TEST(OptimizerViewTest, ReportCarriesRegisteredMetrics) {
  PerformanceOptimizer opt(quiet_config());
  opt.metrics().gauge("myservice_queue_depth", "Queue.").with({}).set(3);
  OptimizerView view(opt);
  const nlohmann::json doc = view.report();
  EXPECT_EQ(doc["schema"], "opusperf.report/1");
  bool found = false;
  for (const auto& f : doc["metrics"]) {
    if (f["name"] == "myservice_queue_depth") {
      found = true;
      EXPECT_EQ(f["samples"][0]["value"], 3.0);
    }
  }
  EXPECT_TRUE(found) << doc["metrics"].dump();
}

// The run goes on while bad clients hit its server: the work thread never waits on the server, and
// the server still answers and reports every operation the run did.
TEST(OptimizerViewTest, BadClientsDoNotDisturbTheRun) {
  using opusperf::testing::http_exchange;
  using opusperf::testing::RawConnection;
  using opusperf::testing::status_of;
  PerformanceOptimizer opt(quiet_config());
  OptimizerView view(opt);
  ServerOptions o;
  o.read_timeout = std::chrono::milliseconds(300);
  MonitoringServer server(view, o);
  const int port = server.address().port;

  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> ops{0};
  std::thread work([&] {
    while (!done.load()) {
      opt.optimize_operation("work", [] {});
      ops.fetch_add(1);
    }
  });

  std::vector<std::unique_ptr<RawConnection>> bad;
  for (int i = 0; i < 3; ++i) {
    bad.push_back(std::make_unique<RawConnection>(port));
    bad.back()->send("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // stalls mid-header
  }
  RawConnection huge(port);
  huge.send("GET /metrics HTTP/1.1\r\nX-Huge: " + std::string(1 << 20, 'a') + "\r\n\r\n");
  const std::uint64_t before = ops.load();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(status_of(http_exchange(port, "GET", "/nope")), 404);
    EXPECT_EQ(status_of(http_exchange(port, "GET", "/metrics")), 200);
  }
  // The work advanced while all that was going on.
  while (ops.load() < before + 100)
    std::this_thread::yield();
  for (auto& c : bad)
    EXPECT_TRUE(c->read_to_close());
  done = true;
  work.join();

  const std::string metrics = http_exchange(port, "GET", "/metrics");
  EXPECT_THAT(metrics, HasSubstr("opusperf_operation_calls_total{operation=\"work\"} " +
                                 std::to_string(ops.load()) + "\n"));
}

}  // namespace
}  // namespace opusperf
