// The leak detector's acceptance figures, on the simulated workloads (see leak_scenarios.h).
#include "bench/memory/leak_scenarios.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace opusperf::bench {
namespace {

std::filesystem::path scratch() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::temp_directory_path() /
         ("opusperf_leaksim_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
}

std::string flagged(const LeakScenarioResult& r) {
  std::string out;
  for (const std::string& f : r.flagged)
    out += "\n  " + f;
  return out;
}

TEST(LeakScenariosTest, OneMiBPerSecondLeakIsFlaggedWithin30sAndBlamedOnItsOwner) {
  const LeakScenarioResult r = run_leak_scenario("leak", scratch());
  ASSERT_TRUE(r.detected_after_s.has_value()) << flagged(r);
  EXPECT_LE(*r.detected_after_s, 30);
  EXPECT_EQ(r.blamed_owner, "decoder-2");
  EXPECT_EQ(r.blamed_name, "decoder.frames");
  EXPECT_EQ(r.false_alarms, 0) << flagged(r);
}

TEST(LeakScenariosTest, TenMinutesOfNoisySpikyWorkloadRaiseNoAlarm) {
  const LeakScenarioResult r = run_leak_scenario("steady", scratch());
  EXPECT_EQ(r.simulated_s, 600);
  EXPECT_EQ(r.false_alarms, 0) << flagged(r);
  EXPECT_TRUE(r.flagged.empty()) << flagged(r);
}

TEST(LeakScenariosTest, TenMinutesOfSawtoothRaiseNoAlarm) {
  const LeakScenarioResult r = run_leak_scenario("sawtooth", scratch());
  EXPECT_EQ(r.false_alarms, 0) << flagged(r);
}

TEST(LeakScenariosTest, UnknownScenarioIsRejected) {
  EXPECT_THROW(run_leak_scenario("nope", scratch()), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf::bench
