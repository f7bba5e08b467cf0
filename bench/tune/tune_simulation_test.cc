#include "bench/tune/tune_simulation.h"

#include <gtest/gtest.h>

#include "bench/tune/overload_server.h"
#include "bench/tune/workload_model.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::tune {
namespace {

TuneScenario scenario(const char* json) {
  return parse_scenario(json, "test.json");
}

TEST(WorkloadModelTest, ContentionAndPlateauShapes) {
  EXPECT_DOUBLE_EQ(relative_throughput(WorkloadShape::kContention, 10, 20), 0.5);
  EXPECT_DOUBLE_EQ(relative_throughput(WorkloadShape::kContention, 20, 20), 1.0);
  EXPECT_DOUBLE_EQ(relative_throughput(WorkloadShape::kContention, 40, 20), 0.8);  // one width past
  EXPECT_DOUBLE_EQ(relative_throughput(WorkloadShape::kContention, 1000, 20), 0.05);
  EXPECT_DOUBLE_EQ(relative_throughput(WorkloadShape::kPlateau, 40, 20), 1.0);
  EXPECT_DOUBLE_EQ(best_fixed_share(WorkloadShape::kContention, 20, 1, 64, 1), 1.0);
  EXPECT_DOUBLE_EQ(best_fixed_share(WorkloadShape::kContention, 100, 1, 64, 1), 0.64);
  EXPECT_DOUBLE_EQ(best_fixed_share(WorkloadShape::kContention, 2.5, 1, 64, 1), 0.96);  // at 3
}

TEST(OverloadServerTest, AtTheOptimumLimitItCompletesPeakAtTheUnqueuedLatency) {
  OverloadServer server(0.010, 7);
  const ServerLoad load{WorkloadShape::kContention, 20, 2 * server.peak(20)};
  ServerPeriod total;
  for (int i = 0; i < 100; ++i) {
    const ServerPeriod p = server.run(0.1, 20, 1.0, load, nullptr);
    total.completed += p.completed;
    total.latency_sum_s += p.latency_sum_s;
    total.rejected += p.rejected;
    total.arrived += p.arrived;
  }
  // 10 s at 2000/s peak, less the moments a freed slot waits for the next arrival (about 0.25 ms
  // of every 10 ms); about half of the 4000/s offered is rejected.
  EXPECT_GT(total.completed, 18600u);
  EXPECT_LE(total.completed, 20000u);
  EXPECT_NEAR(total.latency_sum_s / static_cast<double>(total.completed), 0.010, 0.0005);
  EXPECT_NEAR(static_cast<double>(total.rejected) / static_cast<double>(total.arrived), 0.5, 0.03);
}

TEST(OverloadServerTest, BeyondTheOptimumLatencyGrowsAndGoodputFalls) {
  OverloadServer at(0.010, 3);
  OverloadServer beyond(0.010, 3);
  const ServerLoad load{WorkloadShape::kContention, 20, 2 * at.peak(20)};
  const ServerPeriod a = at.run(5.0, 20, 1.0, load, nullptr);
  const ServerPeriod b = beyond.run(5.0, 40, 1.0, load, nullptr);
  EXPECT_LT(b.completed, a.completed);  // share 0.8 at 40
  EXPECT_GT(b.latency_sum_s / static_cast<double>(b.completed),
            2 * a.latency_sum_s / static_cast<double>(a.completed));
}

TEST(TuneSimulationTest, IsDeterministicForASeed) {
  const TuneScenario s = scenario(R"({"knob": {"min": 1, "max": 64, "start": 1},
      "phases": [{"seconds": 20, "optimum": 20}], "noise": 0.05})");
  const nlohmann::json a = to_json(simulate_tuning(s, "hill_climb", 5));
  const nlohmann::json b = to_json(simulate_tuning(s, "hill_climb", 5));
  EXPECT_EQ(a, b);
  EXPECT_NE(a, to_json(simulate_tuning(s, "hill_climb", 6)));
}

TEST(TuneSimulationTest, ReportsPhaseFiguresFromTheRealTuner) {
  const TuneScenario s = scenario(R"({"knob": {"min": 1, "max": 64, "start": 1},
      "phases": [{"seconds": 30, "optimum": 20}, {"seconds": 30, "optimum": 8}], "noise": 0.05})");
  const TuneSimulationResult r = simulate_tuning(s, "hill_climb", 1);
  ASSERT_EQ(r.phases.size(), 2u);
  for (const PhaseOutcome& p : r.phases) {
    ASSERT_TRUE(p.time_to_95_s.has_value());
    EXPECT_LE(*p.time_to_95_s, 10.0);
    EXPECT_GT(p.mean_share, 0.85);
    EXPECT_LE(p.steady_max - p.steady_min, p.steady_spread + 1e-9);
  }
  EXPECT_NEAR(r.phases[1].final_value, 8, 1);
  EXPECT_FALSE(r.overload.has_value());
  EXPECT_FALSE(r.decisions.empty());
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j["controller"], "hill_climb");
  EXPECT_TRUE(j["overload"].is_null());
  EXPECT_TRUE(j["phases"][0].contains("time_to_95_s"));
}

TEST(TuneSimulationTest, AKnobThatNeverGetsThereReportsNull) {
  // Half a second from 64 toward an optimum of 2 (share 0.05 at 64): one evaluation, one move of
  // at most x2, never near 95%.
  const TuneScenario s = scenario(R"({"knob": {"min": 1, "max": 64, "start": 64},
      "phases": [{"seconds": 0.5, "optimum": 2}], "interval_ms": 500})");
  const TuneSimulationResult r = simulate_tuning(s, "hill_climb", 1);
  EXPECT_FALSE(r.phases[0].time_to_95_s.has_value());
  EXPECT_TRUE(to_json(r)["phases"][0]["time_to_95_s"].is_null());
}

TEST(TuneSimulationTest, OverloadRunsReportGoodputAndP99AgainstNoLoad) {
  const TuneScenario s = scenario(R"({"knob": {"min": 1, "max": 64, "start": 1},
      "phases": [{"seconds": 20, "optimum": 20}], "noise": 0.05, "overload": 2})");
  const TuneSimulationResult r = simulate_tuning(s, s.default_controller(), 1);
  ASSERT_TRUE(r.overload.has_value());
  EXPECT_EQ(r.controller, "gradient");
  EXPECT_GT(r.overload->goodput_share, 0.8);
  EXPECT_LT(r.overload->p99_ratio, 1.5);
  EXPECT_GT(r.overload->no_load_p99_ms, 10.0);  // Gamma(4, 1/4) x 10 ms has p99 ~ 21 ms
  EXPECT_GT(r.overload->rejected_share, 0.3);
}

TEST(TuneSimulationTest, UnknownControllerIsAnInputError) {
  const TuneScenario s = scenario(R"({"knob": {"min": 1, "max": 64, "start": 1},
      "phases": [{"seconds": 1, "optimum": 2}]})");
  EXPECT_THROW(simulate_tuning(s, "pid", 1), InputError);
}

}  // namespace
}  // namespace opusperf::bench::tune
