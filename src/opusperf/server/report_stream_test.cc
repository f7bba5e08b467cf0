#include "opusperf/server/report_stream.h"

#include <gtest/gtest.h>

namespace opusperf {
namespace {

nlohmann::json report_with_points(std::initializer_list<double> times) {
  nlohmann::json series = nlohmann::json::array();
  for (double t : times)
    series.push_back({{"t_ms", t}, {"rss_bytes", 1}});
  return {{"schema", "opusperf.report/1"}, {"system", {{"series", series}}}};
}

std::vector<double> times_of(const nlohmann::json& snapshot) {
  std::vector<double> out;
  for (const auto& p : snapshot["system"]["series"])
    out.push_back(p["t_ms"].get<double>());
  return out;
}

TEST(ReportStreamTest, FirstSnapshotIsFullLaterOnesOnlyNewPoints) {
  ReportStream stream;
  const auto first = stream.next_snapshot(report_with_points({0, 1000, 2000}));
  EXPECT_EQ(first["stream"]["seq"], 1);
  EXPECT_EQ(first["stream"]["series"], "full");
  EXPECT_EQ(times_of(first), (std::vector<double>{0, 1000, 2000}));

  // The history is bounded, so old points drop out of the report; only newer ones are sent.
  const auto second = stream.next_snapshot(report_with_points({1000, 2000, 3000, 4000}));
  EXPECT_EQ(second["stream"]["seq"], 2);
  EXPECT_EQ(second["stream"]["series"], "delta");
  EXPECT_EQ(times_of(second), (std::vector<double>{3000, 4000}));

  const auto third = stream.next_snapshot(report_with_points({2000, 3000, 4000}));
  EXPECT_TRUE(times_of(third).empty());
}

TEST(ReportStreamTest, ReportsWithoutSeriesPassThrough) {
  ReportStream stream;
  const auto s = stream.next_snapshot({{"operations", {{"enabled", true}}}});
  EXPECT_EQ(s["operations"]["enabled"], true);
  EXPECT_EQ(s["stream"]["series"], "full");
}

TEST(ReportStreamTest, EventsAreFramedAsServerSentEvents) {
  EXPECT_EQ(sse_event("snapshot", "7", "{\"a\":1}"), "event: snapshot\nid: 7\ndata: {\"a\":1}\n\n");
  EXPECT_EQ(sse_event("error", "", "two\nlines"), "event: error\ndata: two\ndata: lines\n\n");
  ReportStream stream;
  const std::string event = stream.next_event(report_with_points({5}));
  EXPECT_TRUE(event.starts_with("event: snapshot\nid: 1\ndata: {"));
  EXPECT_TRUE(event.ends_with("}\n\n"));
  EXPECT_EQ(event.find('\n', event.find("data: ")), event.size() - 2);  // one data line
}

}  // namespace
}  // namespace opusperf
