#include "opusperf/tune/hill_climber.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "opusperf/tune/test_workload.h"

namespace opusperf {
namespace {

using testing_util::contention;
using testing_util::drive;
using testing_util::plateau;

// The knob of the acceptance scenarios: concurrency 1..64, x2 per move at most.
KnobSpec concurrency(double initial) {
  return {.name = "concurrency", .min = 1, .max = 64, .step = 1, .initial = initial};
}

int windows_until(const std::vector<double>& values, double lo, double hi) {
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] >= lo && values[i] <= hi) return static_cast<int>(i);
  }
  return -1;
}

TEST(HillClimberTest, ClimbsFromOneToTheOptimumOnANoisySeries) {
  HillClimber climber;
  Knob knob(concurrency(1));
  // 100 windows of 5 samples: 50 s at the simulator's 100 ms samples.
  const auto r = drive(climber, knob, contention(20, 0.05), 100);
  // 95% of the best throughput needs 19..25; within 20 windows (10 s).
  const int reached = windows_until(r.values, 19, 25);
  ASSERT_GE(reached, 0);
  EXPECT_LE(reached, 20);
  // Steady state (the last half) within +-2 of the optimum.
  const auto [lo, hi] = std::minmax_element(r.values.begin() + 50, r.values.end());
  EXPECT_GE(*lo, 18);
  EXPECT_LE(*hi, 22);
}

TEST(HillClimberTest, RollsBackAMuchWorseProbeInTheWindowThatShowedIt) {
  HillClimber climber;
  Knob knob(concurrency(20));
  const auto workload = contention(20, 0.02);
  const auto r = drive(climber, knob, workload, 4);
  // Window 0 measures 20; the first probe goes down to 10 (x2, the cheaper side), half the
  // throughput; the window at 10 rolls it back.
  ASSERT_GE(r.decisions.size(), 2u);
  EXPECT_EQ(r.decisions[0].action, TuneAction::kProbe);
  EXPECT_EQ(r.decisions[0].to, 10);
  EXPECT_EQ(r.values[1], 10);
  EXPECT_EQ(r.decisions[1].action, TuneAction::kRollback);
  EXPECT_EQ(r.decisions[1].from, 10);
  EXPECT_EQ(r.decisions[1].to, 20);
  EXPECT_GT(r.decisions[1].confidence, 0.99);
  EXPECT_EQ(r.values[2], 20);
}

TEST(HillClimberTest, ItsBestValueIsTheBaseNotTheCandidateOnTrial) {
  HillClimber climber;
  Knob knob(concurrency(20));
  EXPECT_FALSE(climber.best_value().has_value());
  drive(climber, knob, contention(20, 0.02), 1);
  EXPECT_EQ(knob.value(), 10);  // on trial
  EXPECT_EQ(climber.best_value(), 20.0);
}

TEST(HillClimberTest, DoesNotClimbAPlateauForNothing) {
  HillClimber climber;
  Knob knob(concurrency(1));
  const auto r = drive(climber, knob, plateau(20, 0.05), 120);
  const auto [lo, hi] = std::minmax_element(r.values.begin() + 60, r.values.end());
  EXPECT_GE(*lo, 16);  // no big loss below the knee
  EXPECT_LE(*hi, 25);  // at most 25% above it
}

TEST(HillClimberTest, FollowsAWorkloadShiftAndSaysSo) {
  HillClimber climber;
  Knob knob(concurrency(1));
  drive(climber, knob, contention(20, 0.05), 100);
  const auto after = drive(climber, knob, contention(8, 0.05), 100, 5, /*first_index=*/500);
  const bool reset =
      std::any_of(after.decisions.begin(), after.decisions.end(),
                  [](const ControlDecision& d) { return d.action == TuneAction::kReset; });
  EXPECT_TRUE(reset);
  // 95% of the new best needs 8..10; within 20 windows.
  const int back = windows_until(after.values, 8, 10);
  ASSERT_GE(back, 0);
  EXPECT_LE(back, 20);
  const auto [lo, hi] = std::minmax_element(after.values.begin() + 50, after.values.end());
  EXPECT_GE(*lo, 7);
  EXPECT_LE(*hi, 9);
}

TEST(HillClimberTest, HoldsStillOnPureNoise) {
  // A flat workload (every setting equal) from the middle: noise alone must not walk the knob up;
  // ties go to the cheaper side, so it may only drift down.
  HillClimber climber;
  Knob knob(concurrency(32));
  const auto r = drive(climber, knob, plateau(1, 0.05), 100);
  EXPECT_LE(*std::max_element(r.values.begin(), r.values.end()), 64);
  EXPECT_LE(r.values.back(), 32);
  for (const ControlDecision& d : r.decisions) {
    if (d.action == TuneAction::kAccept) {
      EXPECT_LT(d.to, d.from) << d.evidence;
    }
  }
}

TEST(HillClimberTest, StepsShrinkAsItConverges) {
  HillClimber climber;
  Knob knob(concurrency(1));
  const auto r = drive(climber, knob, contention(20, 0.05), 100);
  // The last probes move by a single step.
  int probes = 0;
  for (auto it = r.decisions.rbegin(); it != r.decisions.rend() && probes < 3; ++it) {
    if (it->action != TuneAction::kProbe) continue;
    EXPECT_EQ(std::abs(it->to - it->from), 1) << it->evidence;
    ++probes;
  }
  EXPECT_EQ(probes, 3);
  EXPECT_TRUE(climber.settled() || climber.describe().find("comparing") != std::string::npos)
      << climber.describe();
}

TEST(HillClimberTest, StartsOverWhenTheKnobWasMovedUnderIt) {
  HillClimber climber;
  Knob knob(concurrency(20));
  drive(climber, knob, contention(20, 0.02), 1);  // now probing 10
  knob.set(20);                                   // someone else moved it
  knob.set(40);
  const auto r = drive(climber, knob, contention(20, 0.02), 1);
  // The window measured 40; instead of judging the trial of 10 against 20 it no longer holds, it
  // starts a new search from 40.
  ASSERT_EQ(r.decisions.size(), 1u);
  EXPECT_EQ(r.decisions[0].action, TuneAction::kProbe);
  EXPECT_EQ(r.decisions[0].from, 40);
  EXPECT_EQ(r.decisions[0].to, 20);
}

TEST(HillClimberTest, RejectsBadOptions) {
  EXPECT_THROW(HillClimber({.significance = 0}), std::invalid_argument);
  EXPECT_THROW(HillClimber({.min_samples = 1}), std::invalid_argument);
  EXPECT_THROW(HillClimber({.min_samples = 5, .max_samples = 4}), std::invalid_argument);
  EXPECT_THROW(HillClimber({.max_samples = 40, .base_samples = 30}), std::invalid_argument);
  EXPECT_THROW(HillClimber({.initial_step = 0}), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
