#include "opusperf/server/report_comparison.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace opusperf {
namespace {

using nlohmann::json;

json base_doc() {
  json doc = {{"schema", "opusperf.report/1"}};
  for (const char* s : {"system", "operations", "cache", "memory", "gpu", "balance", "tune"})
    doc[s] = {{"enabled", false}};
  doc["operations"] = {{"enabled", true}, {"by_name", json::object()}};
  return doc;
}

json with_op(json doc, const std::string& name, double p50, double p90, double throughput) {
  doc["operations"]["by_name"][name] = {
      {"calls", 100},
      {"errors", 0},
      {"wall_ms", {{"mean", p50}, {"p50", p50}, {"p90", p90}, {"p99", p90 * 2}, {"max", p90 * 3}}},
      {"cpu_ms_mean", p50 / 2},
      {"units_total", 3000},
      {"throughput_units_per_s", throughput}};
  return doc;
}

std::map<std::string, ComparedMetric> by_name(const std::vector<ComparedMetric>& rows) {
  std::map<std::string, ComparedMetric> out;
  for (const auto& r : rows)
    out[r.name] = r;
  return out;
}

TEST(ReportComparisonTest, ComparesSharedOperationMetricsWithNoiseFromTheSpread) {
  const Report a(with_op(with_op(base_doc(), "decode", 10, 11, 1000), "only_in_a", 1, 2, 0));
  const Report b(with_op(base_doc(), "decode", 12, 12.6, 800));
  const auto rows = by_name(compare_reports(a, b));
  ASSERT_TRUE(rows.contains("operations.decode.p50_ms"));
  EXPECT_FALSE(rows.contains("operations.only_in_a.p50_ms"));
  const ComparedMetric& p50 = rows.at("operations.decode.p50_ms");
  EXPECT_DOUBLE_EQ(p50.baseline, 10);
  EXPECT_DOUBLE_EQ(p50.current, 12);
  EXPECT_DOUBLE_EQ(*p50.change_percent(), 20);
  // Spreads: A (11 - 10) / 10 = 10%, B 0.6 / 12 = 5%; the band is the larger.
  EXPECT_DOUBLE_EQ(*p50.noise_percent, 10);
  EXPECT_TRUE(*p50.beyond_noise());
  EXPECT_FALSE(p50.higher_is_better);
  EXPECT_TRUE(p50.regressed(15));
  EXPECT_FALSE(p50.regressed(25));

  const ComparedMetric& tput = rows.at("operations.decode.throughput_per_s");
  EXPECT_TRUE(tput.higher_is_better);
  EXPECT_DOUBLE_EQ(*tput.change_percent(), -20);
  EXPECT_TRUE(tput.regressed(10));
  EXPECT_FALSE(tput.regressed(20));
}

TEST(ReportComparisonTest, ChangesInsideTheSpreadAreNoise) {
  const Report a(with_op(base_doc(), "decode", 10, 15, 1000));  // 50% spread
  const Report b(with_op(base_doc(), "decode", 11, 16, 1000));
  const auto rows = by_name(compare_reports(a, b));
  EXPECT_FALSE(*rows.at("operations.decode.p50_ms").beyond_noise());
  EXPECT_FALSE(rows.at("operations.decode.errors").noise_percent.has_value());
  EXPECT_FALSE(rows.at("operations.decode.errors").beyond_noise().has_value());
}

TEST(ReportComparisonTest, ImprovementsNeverRegressAndZeroBaselinesDo) {
  ComparedMetric faster{"x_ms", "ms", 10, 5, false, std::nullopt};
  EXPECT_FALSE(faster.regressed(0));
  ComparedMetric errors{"errors", "", 0, 3, false, std::nullopt};
  EXPECT_FALSE(errors.change_percent().has_value());
  EXPECT_TRUE(errors.regressed(1000));
  ComparedMetric same{"x_ms", "ms", 0, 0, false, std::nullopt};
  EXPECT_FALSE(same.regressed(0));
}

TEST(ReportComparisonTest, SystemSeriesAndEnabledSectionsAreCompared) {
  json a = base_doc(), b = base_doc();
  a["system"]["series"] = {{{"t_ms", 0}, {"process_cpu_percent", 50}, {"rss_bytes", 100}},
                           {{"t_ms", 1}, {"process_cpu_percent", 70}, {"rss_bytes", 300}}};
  b["system"]["series"] = {{{"t_ms", 0}, {"process_cpu_percent", 60}, {"rss_bytes", 200}}};
  a["cache"] = {{"enabled", true},
                {"hit_ratio", 0.8},
                {"stats", {{"evictions", 10}}},
                {"name", "x"},
                {"by_shard", json::array({1, 2})}};
  b["cache"] = {{"enabled", true}, {"hit_ratio", 0.6}, {"stats", {{"evictions", 12}}}};
  a["gpu"] = {{"enabled", false}, {"reserved_bytes", 1}};
  b["gpu"] = {{"enabled", true}, {"reserved_bytes", 2}};
  const auto rows = by_name(compare_reports(Report(a), Report(b)));
  EXPECT_DOUBLE_EQ(rows.at("system.mean_process_cpu_percent").baseline, 60);
  EXPECT_DOUBLE_EQ(rows.at("system.peak_rss_bytes").baseline, 300);
  EXPECT_DOUBLE_EQ(rows.at("system.peak_rss_bytes").current, 200);
  EXPECT_TRUE(rows.at("cache.hit_ratio").higher_is_better);
  EXPECT_TRUE(rows.at("cache.hit_ratio").regressed(20));
  EXPECT_DOUBLE_EQ(rows.at("cache.stats.evictions").current, 12);
  EXPECT_FALSE(rows.contains("cache.enabled"));
  EXPECT_FALSE(rows.contains("gpu.reserved_bytes"));  // off in the baseline
}

TEST(ReportComparisonTest, GlobMatchesNames) {
  EXPECT_TRUE(metric_name_matches("operations.*.p50_ms", "operations.decode.p50_ms"));
  EXPECT_TRUE(metric_name_matches("*", "anything"));
  EXPECT_TRUE(metric_name_matches("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(metric_name_matches("operations.*.p50_ms", "operations.decode.p99_ms"));
  EXPECT_FALSE(metric_name_matches("exact", "exactly"));
  EXPECT_TRUE(metric_name_matches("exact", "exact"));
}

}  // namespace
}  // namespace opusperf
