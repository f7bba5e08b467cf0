#include "opusperf/server/prometheus_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace opusperf {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(PrometheusTextTest, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\n"
                               "d"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_help("x\\y\nz \"q\""), "x\\\\y\\nz \"q\"");  // HELP keeps quotes as they are
}

TEST(PrometheusTextTest, FormatsValuesShortestAndSpecials) {
  EXPECT_EQ(format_sample_value(0), "0");
  EXPECT_EQ(format_sample_value(42), "42");
  EXPECT_EQ(format_sample_value(0.1), "0.1");
  EXPECT_EQ(format_sample_value(2500 / 1e9), "2.5e-06");
  EXPECT_EQ(format_sample_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_sample_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_sample_value(std::nan("")), "NaN");
}

TEST(PrometheusTextTest, WritesCountersAndGaugesWithLabels) {
  Registry reg;
  reg.counter("jobs_total", "Jobs done.\nBy kind.", {"kind"}).with({"a\"b"}).inc(3);
  reg.gauge("queue_depth", "Queued jobs.").with({}).set(2.5);
  const std::string text = render_prometheus_text(reg.collect());
  EXPECT_EQ(text,
            "# HELP jobs_total Jobs done.\\nBy kind.\n"
            "# TYPE jobs_total counter\n"
            "jobs_total{kind=\"a\\\"b\"} 3\n"
            "# HELP queue_depth Queued jobs.\n"
            "# TYPE queue_depth gauge\n"
            "queue_depth 2.5\n");
}

TEST(PrometheusTextTest, SecondsHistogramIsCumulativeAndConvertedFromNanoseconds) {
  Registry reg;
  auto& h = reg.histogram("step_duration_seconds", "Step time.", {"step"}).with({"decode"});
  h.record(990);            // just under 1 µs, the first bound
  h.record(3'000'000);      // 3 ms
  h.record(2'000'000'000);  // 2 s
  const std::string text = render_prometheus_text(reg.collect());
  EXPECT_THAT(text, HasSubstr("# TYPE step_duration_seconds histogram\n"));
  EXPECT_THAT(text, HasSubstr("step_duration_seconds_bucket{step=\"decode\",le=\"1e-06\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("step_duration_seconds_bucket{step=\"decode\",le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("step_duration_seconds_bucket{step=\"decode\",le=\"0.005\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("step_duration_seconds_bucket{step=\"decode\",le=\"1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("step_duration_seconds_bucket{step=\"decode\",le=\"2.5\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("step_duration_seconds_bucket{step=\"decode\",le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("step_duration_seconds_sum{step=\"decode\"} 2.00300099\n"));
  EXPECT_THAT(text, HasSubstr("step_duration_seconds_count{step=\"decode\"} 3\n"));

  // Cumulative: never decreasing along the bounds.
  double previous = -1;
  std::size_t buckets = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("step_duration_seconds_bucket")) continue;
    const double v = std::stod(line.substr(line.rfind(' ') + 1));
    EXPECT_GE(v, previous) << line;
    previous = v;
    ++buckets;
  }
  EXPECT_EQ(buckets, histogram_bounds("step_duration_seconds").size() + 1);
}

TEST(PrometheusTextTest, OtherHistogramsKeepTheirUnit) {
  Registry reg;
  reg.histogram("frame_size_bytes", "Frame sizes.").with({}).record(3000);
  const std::string text = render_prometheus_text(reg.collect());
  EXPECT_THAT(text, HasSubstr("frame_size_bytes_bucket{le=\"2500\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("frame_size_bytes_bucket{le=\"5000\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("frame_size_bytes_sum 3000\n"));
}

TEST(PrometheusTextTest, BoundsIncreaseAndCoverTheirRange) {
  for (const char* name : {"x_seconds", "x_bytes"}) {
    const auto bounds = histogram_bounds(name);
    ASSERT_FALSE(bounds.empty());
    for (std::size_t i = 1; i < bounds.size(); ++i)
      EXPECT_LT(bounds[i - 1], bounds[i]) << name << " " << i;
  }
  EXPECT_EQ(histogram_bounds("x_seconds").front(), 1'000u);           // 1 µs
  EXPECT_EQ(histogram_bounds("x_seconds").back(), 100'000'000'000u);  // 100 s
  EXPECT_EQ(histogram_bounds("x_bytes").back(), 1'000'000'000'000u);
}

TEST(PrometheusTextTest, SkipsRepeatedNamesAndEmptyFamilies) {
  Registry a, b;
  a.counter("dup_total", "first").with({}).inc();
  b.counter("dup_total", "second").with({}).inc(7);
  b.gauge("unused", "no samples");
  std::vector<FamilySnapshot> families = a.collect();
  for (auto& f : b.collect())
    families.push_back(std::move(f));
  const std::string text = render_prometheus_text(families);
  EXPECT_THAT(text, HasSubstr("dup_total 1\n"));
  EXPECT_THAT(text, Not(HasSubstr("dup_total 7")));
  EXPECT_THAT(text, Not(HasSubstr("unused")));
}

// The output passes the reference linter, promtool (Debian's prometheus package), when present.
TEST(PrometheusTextTest, PassesPromtoolCheckMetrics) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not found (Debian package prometheus; scripts/install-deps.sh "
                    "installs it)";
  }
  Registry reg;
  reg.counter("opusperf_test_requests_total", "Requests.\\ with a backslash", {"path", "code"})
      .with({"/a\"b\\c\nd", "200"})
      .inc(5);
  reg.gauge("opusperf_test_queue_depth", "Queue depth.").with({}).set(-1.5);
  auto& h = reg.histogram("opusperf_test_duration_seconds", "Durations.", {"op"});
  for (std::uint64_t v = 500; v < 5'000'000'000; v = v * 3 + 17)
    h.with({"x"}).record(v);
  reg.histogram("opusperf_test_size_bytes", "Sizes.").with({}).record(123456);
  const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                     ("opusperf_promtool_" + std::to_string(::getpid()) + ".txt");
  std::ofstream(file) << render_prometheus_text(reg.collect());
  const std::string cmd = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buf[512];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;)
    output.append(buf, n);
  const int status = ::pclose(pipe);
  std::filesystem::remove(file);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "");
}

}  // namespace
}  // namespace opusperf
