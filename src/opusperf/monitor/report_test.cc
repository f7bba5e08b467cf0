#include "opusperf/monitor/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

using ::testing::HasSubstr;

nlohmann::json minimal_doc() {
  nlohmann::json doc = {{"schema", Report::kSchema}};
  for (std::string_view s : Report::kSections)
    doc[std::string(s)] = {{"enabled", false}};
  return doc;
}

std::string error_of(std::string_view text) {
  try {
    Report::parse(text, "r.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ReportTest, RoundTripsThroughText) {
  nlohmann::json doc = minimal_doc();
  doc["operations"]["by_name"] = {{"decode", {{"calls", 3}}}};
  const Report r(doc);
  const Report back = Report::parse(r.to_json(), "mem");
  EXPECT_EQ(back.json(), doc);
}

TEST(ReportTest, RejectsWhatIsNotAReport) {
  EXPECT_THAT(error_of("[1, 2]"), HasSubstr("must be a JSON object"));
  EXPECT_THAT(error_of("{}"), HasSubstr("missing \"schema\""));
  EXPECT_THAT(error_of(R"({"schema": "opusperf.report/2"})"), HasSubstr("opusperf.report/1"));
  nlohmann::json doc = minimal_doc();
  doc.erase("gpu");
  EXPECT_THAT(error_of(doc.dump()), HasSubstr("\"gpu\""));
  EXPECT_THAT(error_of("{\n\"schema\":\n"), HasSubstr("r.json:3: not valid JSON"));
  EXPECT_THROW(Report(nlohmann::json::array()), InputError);
}

TEST(ReportTest, SavesAndLoadsFiles) {
  const auto path = std::filesystem::path(::testing::TempDir()) / "opusperf_report_test.json";
  Report(minimal_doc()).save(path);
  EXPECT_EQ(Report::load(path).json(), minimal_doc());
  std::filesystem::remove(path);
  try {
    Report::load(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("opusperf_report_test.json"));
  }
}

}  // namespace
}  // namespace opusperf
