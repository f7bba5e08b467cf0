#include "opusperf/server/dashboard_page.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "opusperf/server/web_assets.h"

namespace opusperf {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string embedded_data(const std::string& page) {
  const std::string open = "<script id=\"opusperf-data\" type=\"application/json\">";
  const std::size_t start = page.find(open);
  const std::size_t end = page.find("</script>", start);
  return page.substr(start + open.size(), end - start - open.size());
}

TEST(DashboardPageTest, LivePageInlinesEverythingAndEmbedsNoReport) {
  const std::string& page = dashboard_page();
  EXPECT_THAT(page, HasSubstr(std::string(web_assets::uplot_js.substr(0, 200))));
  EXPECT_THAT(page, HasSubstr(std::string(web_assets::dashboard_js.substr(0, 200))));
  EXPECT_THAT(page, HasSubstr(std::string(web_assets::dashboard_css.substr(0, 100))));
  EXPECT_THAT(page, Not(HasSubstr("{{")));
  EXPECT_THAT(page, Not(HasSubstr("src=\"http")));  // nothing loaded from elsewhere
  EXPECT_EQ(embedded_data(page), "null");
}

TEST(DashboardPageTest, ScriptsCannotEndTheirElementEarly) {
  for (std::string_view asset : {web_assets::uplot_js, web_assets::dashboard_js}) {
    EXPECT_EQ(asset.find("</script"), std::string_view::npos);
  }
}

TEST(DashboardPageTest, ReportPageEmbedsTheReportSafely) {
  const nlohmann::json report = {
      {"schema", "opusperf.report/1"},
      {"operations", {{"by_name", {{"</script><b>x", {{"calls", 2}}}}}}}};
  const std::string page = report_page(report, "run <1> & \"2\"");
  EXPECT_THAT(page, HasSubstr("<title>run &lt;1&gt; &amp; &quot;2&quot;</title>"));
  const std::string data = embedded_data(page);
  EXPECT_THAT(data, Not(HasSubstr("<")));
  EXPECT_EQ(nlohmann::json::parse(data), report);  // \u003c reads back as '<'
}

}  // namespace
}  // namespace opusperf
