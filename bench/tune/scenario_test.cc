#include "bench/tune/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "opusperf/core/errors.h"

namespace opusperf::bench::tune {
namespace {

using ::testing::HasSubstr;

constexpr const char* kMinimal =
    R"({"knob": {"min": 1, "max": 64, "start": 1}, "phases": [{"seconds": 60, "optimum": 20}]})";

std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ScenarioTest, ParsesTheIssueExampleWithDefaults) {
  const TuneScenario s = parse_scenario(
      R"({"knob": {"min": 1, "max": 64, "start": 1},
          "phases": [{"seconds": 60, "optimum": 20}, {"seconds": 60, "optimum": 8}],
          "sample_ms": 100, "noise": 0.05, "shape": "contention", "overload": 0})",
      "issue.json");
  EXPECT_EQ(s.source, "issue.json");
  ASSERT_EQ(s.phases.size(), 2u);
  EXPECT_EQ(s.phases[1].optimum, 8);
  EXPECT_EQ(s.noise, 0.05);
  EXPECT_EQ(s.interval_ms, 500);
  EXPECT_EQ(s.knob_step, 1);
  EXPECT_EQ(s.default_controller(), "hill_climb");
  EXPECT_EQ(parse_scenario(R"({"knob": {"min": 1, "max": 8, "start": 1},
                               "phases": [{"seconds": 1, "optimum": 2}], "overload": 2})",
                           "o.json")
                .default_controller(),
            "gradient");
}

TEST(ScenarioTest, ErrorsNameTheFileTheFieldAndTheRule) {
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 1},
                          "phases": [{"seconds": 60, "optimum": 20}, {"seconds": 60, "optimum": -3}]})"),
              HasSubstr("scenario 's.json': field 'phases[1].optimum': must be > 0, got -3"));
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 100},
                          "phases": [{"seconds": 1, "optimum": 2}]})"),
              HasSubstr("field 'knob.start': must lie in [knob.min, knob.max] = [1, 64], got 100"));
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 1},
                          "phases": [{"seconds": 1, "optimum": 2}], "noize": 0.1})"),
              HasSubstr("field 'noize': unknown field; did you mean 'noise'?"));
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 1}, "phases": []})"),
              HasSubstr("field 'phases': must be a non-empty array"));
  EXPECT_THAT(error_of(R"({"phases": [{"seconds": 1, "optimum": 2}]})"),
              HasSubstr("field 'knob': is required"));
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": "one"},
                          "phases": [{"seconds": 1, "optimum": 2}]})"),
              HasSubstr("field 'knob.start': must be a number, got \"one\""));
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 1},
                          "phases": [{"seconds": 1, "optimum": 2}], "shape": "bumpy"})"),
              HasSubstr("field 'shape': must be \"contention\" or \"plateau\""));
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 1},
                          "phases": [{"seconds": 1, "optimum": 2}], "overload": 0.5})"),
              HasSubstr("field 'overload'"));
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 1},
                          "phases": [{"seconds": 1, "optimum": 2}], "interval_ms": 50})"),
              HasSubstr("field 'interval_ms': must be >= sample_ms (100)"));
}

TEST(ScenarioTest, RunsThatWouldNotFinishAreRefused) {
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 1},
                          "phases": [{"seconds": 1e9, "optimum": 2}]})"),
              HasSubstr("field 'phases'"));
  EXPECT_THAT(error_of(R"({"knob": {"min": 1, "max": 64, "start": 1}, "overload": 100,
                          "service_ms": 0.001, "phases": [{"seconds": 1000, "optimum": 64}]})"),
              HasSubstr("at most 2e+08 requests"));
}

TEST(ScenarioTest, InvalidJsonNamesLineAndColumn) {
  EXPECT_THAT(error_of("{\n  \"knob\": {\"min\": 1,,}\n}"),
              HasSubstr("scenario 's.json': invalid JSON at line 2"));
  EXPECT_THAT(error_of("[1, 2]"), HasSubstr("must be a JSON object"));
}

TEST(ScenarioTest, MissingFileIsAnInputError) {
  EXPECT_THROW(load_scenario("/nonexistent/scenario.json"), InputError);
}

TEST(ScenarioTest, TheShippedScenariosParse) {
  const std::filesystem::path dir = std::filesystem::path(OPUSPERF_TEST_SRC_DIR) / "scenarios";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_NO_THROW(load_scenario(entry.path())) << entry.path();
    ++n;
  }
  EXPECT_GE(n, 3);
  (void)kMinimal;
}

}  // namespace
}  // namespace opusperf::bench::tune
