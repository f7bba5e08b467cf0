#include "opusperf/tune/objective.h"

#include <gtest/gtest.h>

#include "opusperf/core/errors.h"
#include "opusperf/tune/controller_factory.h"

namespace opusperf {
namespace {

using std::chrono::milliseconds;

PerformanceSample sample(double throughput, milliseconds latency) {
  PerformanceSample s;
  s.throughput = throughput;
  s.latency = latency;
  return s;
}

TEST(ObjectiveTest, ThroughputScoresThroughput) {
  const auto o = make_objective("throughput");
  EXPECT_EQ(o->name(), "throughput");
  EXPECT_DOUBLE_EQ(o->score(sample(250, milliseconds(900))), 250);
}

TEST(ObjectiveTest, LatencyTargetPenalisesAMissSteeply) {
  const auto o = make_objective("latency_target", {.latency_target = milliseconds(50)});
  EXPECT_DOUBLE_EQ(o->score(sample(100, milliseconds(40))), 100);  // within the target
  EXPECT_DOUBLE_EQ(o->score(sample(100, milliseconds(100))), 25);  // 2x over: (1/2)^2
  EXPECT_DOUBLE_EQ(o->score(sample(100, milliseconds(0))), 100);   // not measured
  // Twice the throughput at three times the latency past the target loses.
  EXPECT_LT(o->score(sample(200, milliseconds(150))), o->score(sample(100, milliseconds(50))));
}

TEST(ObjectiveTest, BadNamesAndOptionsAreInputErrors) {
  EXPECT_THROW(make_objective("speed"), InputError);
  EXPECT_THROW(make_objective("latency_target"), InputError);  // no target
  EXPECT_THROW(make_objective("latency_target",
                              {.latency_target = milliseconds(5), .penalty_exponent = 0.5}),
               InputError);
}

TEST(ControllerFactoryTest, MakesEachControllerByName) {
  for (std::string_view name : controller_names())
    EXPECT_EQ(make_controller(name)->name(), name);
  ControllerOptions latency;
  latency.objective = "latency_target";
  latency.objective_options.latency_target = milliseconds(20);
  EXPECT_EQ(make_controller("hill_climb", latency)->name(), "hill_climb");
  try {
    make_controller("pid");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("hill_climb, gradient"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace opusperf
