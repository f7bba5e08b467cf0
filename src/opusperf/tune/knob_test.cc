#include "opusperf/tune/knob.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace opusperf {
namespace {

TEST(KnobTest, StaysWithinHardBounds) {
  Knob k({.name = "c", .min = 1, .max = 8, .initial = 6, .max_factor_per_move = 100});
  EXPECT_EQ(k.set(1000), 8);
  EXPECT_EQ(k.set(-5), 1);
  EXPECT_EQ(k.value(), 1);
}

TEST(KnobTest, OneMoveChangesTheOffsetByAtMostTheFactor) {
  Knob k({.name = "c", .min = 1, .max = 64, .initial = 4});  // offset = value; factor 2
  EXPECT_EQ(k.admissible(100), 8);
  EXPECT_EQ(k.set(100), 8);
  EXPECT_EQ(k.set(100), 16);
  EXPECT_EQ(k.set(1), 8);
  EXPECT_EQ(k.set(1), 4);
}

TEST(KnobTest, AKnobAtItsMinimumCanStillMoveAStep) {
  Knob k({.name = "prefetch", .min = 0, .max = 16, .initial = 0});  // offset 1 at the minimum
  EXPECT_EQ(k.admissible(16), 1);
  EXPECT_EQ(k.admissible_from(5, 16), 11);  // offset 6 -> 12
}

TEST(KnobTest, SnapsOntoTheGridTowardTheCurrentValue) {
  Knob k({.name = "share",
          .min = 0,
          .max = 1,
          .step = 0.25,
          .initial = 0.5,
          .max_factor_per_move = 10});
  EXPECT_EQ(k.admissible(0.9), 0.75);  // rounds down toward 0.5, never past the target
  EXPECT_EQ(k.admissible(0.1), 0.25);  // rounds up toward 0.5
  EXPECT_EQ(k.admissible(0.6), 0.5);   // less than a step: no move
  Knob odd({.name = "odd", .min = 1, .max = 10.5, .step = 2, .initial = 10.5});
  EXPECT_EQ(odd.value(), 9);  // the initial value is snapped down onto the grid
}

TEST(KnobTest, ApplyRunsOnlyOnChange) {
  std::vector<double> applied;
  Knob k({.name = "c", .min = 1, .max = 64, .initial = 4, .apply = [&](double v) {
            applied.push_back(v);
          }});
  k.set(4);
  k.set(4.4);  // under a step
  k.set(6);
  EXPECT_EQ(applied, std::vector<double>({6}));
}

TEST(KnobTest, AThrowingApplyLeavesTheValue) {
  Knob k({.name = "c", .min = 1, .max = 64, .initial = 4, .apply = [](double) {
            throw std::runtime_error("device busy");
          }});
  EXPECT_THROW(k.set(8), std::runtime_error);
  EXPECT_EQ(k.value(), 4);
}

TEST(KnobTest, RejectsBadSpecs) {
  EXPECT_THROW(Knob({.name = ""}), std::invalid_argument);
  EXPECT_THROW(Knob({.name = "a", .min = 2, .max = 2, .initial = 2}), std::invalid_argument);
  EXPECT_THROW(Knob({.name = "a", .step = 0}), std::invalid_argument);
  EXPECT_THROW(Knob({.name = "a", .initial = 100}), std::invalid_argument);
  EXPECT_THROW(Knob({.name = "a", .max_factor_per_move = 1}), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
