#include "bench/balance/simulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "opusperf/balance/load_balancing_policy.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::balancesim {
namespace {

// The committed scenario `name`, shortened to `jobs` jobs so the suite stays fast (the full runs
// are `opusperf bench balance`; the figures hold for these seeds at both sizes).
Scenario committed(const std::string& name, std::uint64_t jobs) {
  Scenario s = load_scenario(std::string(OPUSPERF_TEST_SRC_DIR) + "/scenarios/" + name + ".json");
  s.jobs = jobs;
  if (s.measure_from) s.measure_from = jobs / 2;
  return s;
}

Scenario small() {
  return parse_scenario(
      R"({"workers": [{"speed": 1, "count": 3}, {"speed": 0.25}], "load": 0.7, "jobs": 5000})",
      "small");
}

TEST(SimulatorTest, SameSeedSameResultOtherSeedOtherResult) {
  const Scenario s = small();
  for (const std::string policy : {"peak_ewma", "oracle"}) {
    const auto a = to_json(simulate(s, policy, 7), s);
    EXPECT_EQ(a, to_json(simulate(s, policy, 7), s)) << policy;
    EXPECT_NE(a, to_json(simulate(s, policy, 8), s)) << policy;
  }
}

TEST(SimulatorTest, EveryJobIsAccountedFor) {
  const Scenario s = small();
  for (const std::string_view policy : balancing_policy_names()) {
    const SimResult r = simulate(s, policy, 1);
    std::uint64_t total = 0;
    for (const SimWorkerResult& w : r.workers)
      total += w.jobs;
    EXPECT_EQ(total, s.jobs) << policy;
    EXPECT_EQ(r.errors, 0u) << policy;
    EXPECT_GT(r.p50, 0.0) << policy;
    EXPECT_LE(r.p50, r.p99) << policy;
    EXPECT_LE(r.p99, r.p999) << policy;
  }
}

TEST(SimulatorTest, FixedServiceOnOneIdleWorkerTakesExactlyTheServiceTime) {
  const Scenario s = parse_scenario(
      R"({"workers": [{"speed": 2}], "load": 0.001, "jobs": 50, "service": "fixed"})", "one");
  const SimResult r = simulate(s, "round_robin", 3);
  EXPECT_DOUBLE_EQ(r.p50, 0.5);  // jobs 1000 s apart on average never queue
  EXPECT_DOUBLE_EQ(r.p999, 0.5);
}

TEST(SimulatorTest, AnUnknownPolicyIsAnInputError) {
  EXPECT_THROW(simulate(small(), "fastest", 1), InputError);
}

TEST(SimulatorTest, JsonHasTheFieldsTheIssueNames) {
  const Scenario s = committed("c", 4000);
  const nlohmann::json j = to_json(simulate(s, "adaptive", 1), s);
  for (const char* key :
       {"policy", "p50", "p99", "p999", "error_rate", "jobs_per_worker", "ejections"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(j["jobs_per_worker"].size(), 8u);
  EXPECT_EQ(j["window_jobs_per_worker"].size(), 8u);
  EXPECT_TRUE(j["workers"][7].contains("jobs_until_ejection"));
  EXPECT_FALSE(j["workers"][0].contains("jobs_until_ejection"));
}

// Scenario A: one worker at a fifth of the speed. The percentile bounds are the acceptance
// figures, so they are checked at the scenario's full size (200000 jobs).
TEST(SimulatorTest, ScenarioASlowWorkerSinksBlindPoliciesNotAdaptiveOnes) {
  const Scenario shortened = committed("a", 40000);
  EXPECT_TRUE(simulate(shortened, "round_robin", 1).unstable);
  EXPECT_TRUE(simulate(shortened, "random", 1).unstable);
  const Scenario s = committed("a", 200000);
  const SimResult least = simulate(s, "least_loaded", 1);
  const SimResult adaptive = simulate(s, "adaptive", 1);
  const SimResult oracle = simulate(s, "oracle", 1);
  EXPECT_FALSE(least.unstable);
  EXPECT_LE(least.p99, 25.0);
  EXPECT_LE(adaptive.p99, 3.0 * oracle.p99);
  EXPECT_LE(adaptive.p99, 0.8 * least.p99);
  EXPECT_LE(adaptive.p999, least.p999);
}

// Scenario B: a worker that fails fast from job 1000 on.
TEST(SimulatorTest, ScenarioBAFastFailingWorkerIsEjectedAndStarved) {
  const Scenario s = committed("b", 40000);
  for (const std::string_view policy : balancing_policy_names()) {
    const SimResult r = simulate(s, policy, 1);
    const SimWorkerResult& bad = r.workers[7];
    ASSERT_TRUE(bad.jobs_until_ejection) << policy;
    EXPECT_LE(*bad.jobs_until_ejection, 5 + *bad.in_flight_at_failure) << policy;
    EXPECT_LE(r.error_rate, 0.001) << policy;
    EXPECT_EQ(r.errors, bad.errors) << policy;
  }
}

// Scenario C: the worker recovers at job 5000 and takes its share again.
TEST(SimulatorTest, ScenarioCARecoveredWorkerCarriesItsFairShare) {
  const Scenario s = committed("c", 40000);
  for (const std::string_view policy : balancing_policy_names()) {
    const SimResult r = simulate(s, policy, 1);
    std::uint64_t window = 0;
    for (const SimWorkerResult& w : r.workers)
      window += w.window_jobs;
    ASSERT_TRUE(r.workers[7].last_return_job) << policy;
    EXPECT_LT(*r.workers[7].last_return_job, *s.measure_from) << policy;  // back before the window
    const double share = static_cast<double>(r.workers[7].window_jobs) / window;
    EXPECT_NEAR(share, 1.0 / 8, 0.1 / 8) << policy;
  }
}

}  // namespace
}  // namespace opusperf::bench::balancesim
