#include "opusperf/optimizer/tune_component.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>

#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/tune/controller_factory.h"

namespace opusperf {
namespace {

using ::testing::HasSubstr;

OptimizationConfig tuning_config() {
  OptimizationConfig cfg;
  cfg.enable_adaptive_tuning = true;
  cfg.enable_monitoring = false;  // no sampler thread in this test
  cfg.tuning_interval = std::chrono::milliseconds(100);
  cfg.performance_history_size = 50;
  return cfg;
}

TEST(TuneComponentTest, FillsTheTuneSectionOfTheOptimizersReport) {
  ManualClock clock;
  PerformanceOptimizer opt(tuning_config(), clock);
  auto component = std::make_unique<TuneComponent>(opt.config(), opt.metrics(), clock);
  AdaptivePerformanceTuner& tuner = component->tuner();
  EXPECT_EQ(tuner.options().interval, std::chrono::milliseconds(100));
  EXPECT_EQ(tuner.options().history_size, 50u);
  tuner.add_knob({.name = "pool_concurrency", .min = 1, .max = 16, .initial = 4},
                 make_controller("hill_climb"));
  opt.add_component(std::move(component));

  // Five 20 ms samples, one evaluation: the climber measures 4 and probes 2.
  for (int i = 0; i < 5; ++i) {
    clock.advance(std::chrono::milliseconds(20));
    PerformanceSample s;
    s.throughput = 100;
    s.period = std::chrono::milliseconds(20);
    tuner.record_performance(s);
  }
  tuner.tick();

  const nlohmann::json section = opt.report().json()["tune"];
  EXPECT_EQ(section["enabled"], true);
  EXPECT_EQ(section["knobs"][0]["name"], "pool_concurrency");
  EXPECT_EQ(section["knobs"][0]["value"], 2.0);
  ASSERT_EQ(section["decisions"].size(), 1u);
  EXPECT_EQ(section["decisions"][0]["action"], "probe");
  EXPECT_THAT(section["strategy"]["summary"].get<std::string>(),
              HasSubstr("tuning pool_concurrency with hill_climb"));

  // Its metrics live in the optimizer's registry.
  bool found = false;
  for (const FamilySnapshot& f : opt.metrics().collect())
    found = found || f.name == "opusperf_tune_knob_value";
  EXPECT_TRUE(found);

  const ForceOptimizationResult forced = opt.force_optimization();
  ASSERT_FALSE(forced.steps.empty());
  EXPECT_EQ(forced.steps[0].component, "tune");
  EXPECT_EQ(forced.steps[0].bytes_freed, 0u);
}

TEST(TuneComponentTest, StartsAndStopsItsThreadWithTheOptimizer) {
  OptimizationConfig cfg = tuning_config();
  cfg.tuning_interval = std::chrono::hours(1);
  {
    PerformanceOptimizer opt(cfg);
    opt.add_component(std::make_unique<TuneComponent>(opt.config(), opt.metrics()));
  }  // the destructor stops the component: an hour-long wait it failed to wake would hang here
  SUCCEED();
}

}  // namespace
}  // namespace opusperf
