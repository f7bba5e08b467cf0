#include "bench/balance/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "opusperf/core/errors.h"

namespace opusperf::bench::balancesim {
namespace {

using ::testing::HasSubstr;

// Returns the InputError message parsing `text` gives ("" if it parses).
std::string error_of(const std::string& text) {
  try {
    parse_scenario(text, "s.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ScenarioTest, ParsesTheIssuesExample) {
  const Scenario s = parse_scenario(
      R"({"workers": [{"speed": 1.0, "count": 6}, {"speed": 0.2},
          {"speed": 1.0, "fail_after": 1000, "fail_prob": 1.0, "fail_latency": 0.001}],
          "load": 0.8, "jobs": 200000, "service": "exp"})",
      "s.json");
  ASSERT_EQ(s.workers.size(), 8u);
  EXPECT_EQ(s.workers[6].speed, 0.2);
  EXPECT_FALSE(s.workers[6].fail_after);
  EXPECT_EQ(*s.workers[7].fail_after, 1000u);
  EXPECT_FALSE(s.workers[7].failing_at(999));
  EXPECT_TRUE(s.workers[7].failing_at(1000));
  EXPECT_TRUE(s.workers[7].failing_at(199999));  // never recovers
  EXPECT_DOUBLE_EQ(s.capacity(), 7.2);
  EXPECT_EQ(s.jobs, 200000u);
  EXPECT_EQ(s.service, ServiceDistribution::kExponential);
}

TEST(ScenarioTest, DefaultsAndRecovery) {
  const Scenario s = parse_scenario(
      R"({"workers": [{}, {"fail_after": 10, "recover_after": 20}], "load": 0.5,
          "service": "fixed", "measure_from": 5})",
      "s.json");
  EXPECT_EQ(s.jobs, 100000u);
  EXPECT_EQ(s.service, ServiceDistribution::kFixed);
  EXPECT_EQ(s.workers[0].speed, 1.0);
  EXPECT_EQ(s.workers[1].fail_latency, 0.001);
  EXPECT_TRUE(s.workers[1].failing_at(19));
  EXPECT_FALSE(s.workers[1].failing_at(20));
  EXPECT_EQ(*s.measure_from, 5u);
}

TEST(ScenarioTest, ErrorsNameTheFileTheFieldAndTheReason) {
  EXPECT_THAT(error_of(R"({"workers": [{"speed": 1}, {"speed": -1}], "load": 0.8})"),
              HasSubstr("s.json: field 'workers[1].speed': must be > 0, got -1"));
  EXPECT_THAT(error_of(R"({"workers": [{"sped": 1}], "load": 0.8})"),
              HasSubstr("field 'workers[0].sped': unknown field"));
  EXPECT_THAT(error_of(R"({"workers": [{}]})"), HasSubstr("field 'load': missing"));
  EXPECT_THAT(error_of(R"({"workers": [], "load": 0.8})"),
              HasSubstr("field 'workers': must be a non-empty array"));
  EXPECT_THAT(error_of(R"({"load": 0.8})"), HasSubstr("field 'workers': missing"));
  EXPECT_THAT(error_of(R"({"workers": [{}], "load": "high"})"),
              HasSubstr("field 'load': must be a number in (0, 10]"));
  EXPECT_THAT(error_of(R"({"workers": [{}], "load": 0.8, "jobs": 2.5})"),
              HasSubstr("field 'jobs': must be a whole number"));
  EXPECT_THAT(error_of(R"({"workers": [{}], "load": 0.8, "jobs": -3})"), HasSubstr("field 'jobs'"));
  EXPECT_THAT(error_of(R"({"workers": [{}], "load": 0.8, "service": "pareto"})"),
              HasSubstr("field 'service': must be \"exp\" or \"fixed\""));
  EXPECT_THAT(error_of(R"({"workers": [{"count": 0}], "load": 0.8})"),
              HasSubstr("field 'workers[0].count'"));
  EXPECT_THAT(error_of(R"({"workers": [{"fail_after": 5, "recover_after": 5}], "load": 1})"),
              HasSubstr("field 'workers[0].recover_after': must be greater than fail_after"));
  EXPECT_THAT(error_of(R"({"workers": [{"fail_prob": 0.5}], "load": 1})"),
              HasSubstr("field 'workers[0].fail_prob': needs fail_after"));
  EXPECT_THAT(error_of(R"({"workers": [{"fail_after": 1, "fail_prob": 2}], "load": 1})"),
              HasSubstr("field 'workers[0].fail_prob': must be in [0, 1]"));
  EXPECT_THAT(error_of(R"({"workers": [3], "load": 1})"),
              HasSubstr("field 'workers[0]': must be an object"));
  EXPECT_THAT(error_of(R"({"workers": [{}], "load": 1, "jobs": 10, "measure_from": 10})"),
              HasSubstr("field 'measure_from'"));
  EXPECT_THAT(error_of(R"({"workers": [{"count": 4000}, {"count": 100}], "load": 1})"),
              HasSubstr("more than 4096 workers"));
  EXPECT_THAT(error_of("[1, 2]"), HasSubstr("s.json: a scenario must be a JSON object"));
}

TEST(ScenarioTest, InvalidJsonNamesLineAndColumn) {
  EXPECT_THAT(error_of("{\n  \"workers\": [{}],\n  \"load\": 0.8,,\n}"),
              HasSubstr("s.json: invalid JSON at line 3, column"));
}

TEST(ScenarioTest, AMissingFileIsAnInputError) {
  EXPECT_THROW(load_scenario("/nonexistent/scenario.json"), InputError);
}

TEST(ScenarioTest, TheCommittedScenariosLoad) {
  for (const char* name : {"a", "b", "c"}) {
    const Scenario s =
        load_scenario(std::string(OPUSPERF_TEST_SRC_DIR) + "/scenarios/" + name + ".json");
    EXPECT_EQ(s.workers.size(), 8u) << name;
    EXPECT_EQ(s.jobs, 200000u) << name;
    EXPECT_DOUBLE_EQ(s.load, 0.8) << name;
  }
}

}  // namespace
}  // namespace opusperf::bench::balancesim
