#include "opusperf/tune/adaptive_performance_tuner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "opusperf/tune/controller_factory.h"
#include "opusperf/tune/test_workload.h"

namespace opusperf {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

// A controller that asks for a scripted list of targets, one per evaluation, and records the
// windows it was given.
class ScriptedController final : public Controller {
 public:
  explicit ScriptedController(std::vector<double> targets) : targets_(std::move(targets)) {}
  std::string_view name() const override { return "scripted"; }
  std::vector<ControlDecision> evaluate(const Knob& knob,
                                        std::span<const PerformanceSample> samples) override {
    windows.emplace_back(samples.begin(), samples.end());
    if (next_ >= targets_.size()) return {};
    const double to = targets_[next_++];
    return {{TuneAction::kProbe, knob.value(), to, "scripted", 0.5}};
  }
  void reset() override { ++resets; }
  std::string describe() const override { return "following a script"; }
  bool settled() const override { return settled_now; }
  std::optional<double> best_value() const override { return best; }

  std::vector<std::vector<PerformanceSample>> windows;
  int resets = 0;
  bool settled_now = false;
  std::optional<double> best;

 private:
  std::vector<double> targets_;
  std::size_t next_ = 0;
};

TunerOptions options_100ms() {
  TunerOptions o;
  o.interval = milliseconds(100);
  o.history_size = 100;
  o.samples_per_interval = 5;
  return o;
}

PerformanceSample sample_at(ManualClock& clock, double throughput) {
  PerformanceSample s;
  s.at = clock.now();
  s.period = milliseconds(20);
  s.throughput = throughput;
  return s;
}

// Records 5 samples of 20 ms (one interval) and ticks.
void run_window(AdaptivePerformanceTuner& tuner, ManualClock& clock, double throughput = 100) {
  for (int i = 0; i < 5; ++i) {
    clock.advance(milliseconds(20));
    tuner.record_performance(sample_at(clock, throughput));
  }
  tuner.tick();
}

TEST(AdaptivePerformanceTunerTest, EvaluatesOncePerIntervalOfTheInjectedClock) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  auto controller = std::make_unique<ScriptedController>(std::vector<double>{8, 16});
  ScriptedController* script = controller.get();
  Knob& knob =
      tuner.add_knob({.name = "c", .min = 1, .max = 64, .initial = 4}, std::move(controller));
  clock.advance(milliseconds(99));
  EXPECT_FALSE(tuner.tick());
  clock.advance(milliseconds(1));
  EXPECT_TRUE(tuner.tick());
  EXPECT_TRUE(script->windows.empty());  // nothing was recorded: the controller was not asked
  EXPECT_EQ(knob.value(), 4);
  clock.advance(milliseconds(50));
  tuner.record_performance(sample_at(clock, 100));
  EXPECT_FALSE(tuner.tick());  // 50 ms since the last evaluation
  clock.advance(milliseconds(50));
  EXPECT_TRUE(tuner.tick());
  ASSERT_EQ(script->windows.size(), 1u);
  EXPECT_EQ(knob.value(), 8);
}

TEST(AdaptivePerformanceTunerTest, LogsEachDecisionWithTimeKnobValuesEvidenceAndConfidence) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  tuner.add_knob({.name = "pool", .min = 1, .max = 64, .initial = 4},
                 std::make_unique<ScriptedController>(std::vector<double>{8}));
  run_window(tuner, clock);
  const std::vector<Decision> log = tuner.decisions();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].knob, "pool");
  EXPECT_EQ(log[0].controller, "scripted");
  EXPECT_EQ(log[0].action, TuneAction::kProbe);
  EXPECT_EQ(log[0].from, 4);
  EXPECT_EQ(log[0].to, 8);
  EXPECT_EQ(log[0].evidence, "scripted");
  EXPECT_DOUBLE_EQ(log[0].confidence, 0.5);
  EXPECT_EQ(log[0].since_start, milliseconds(100));
  const nlohmann::json report = tuner.report_json();
  EXPECT_EQ(report["enabled"], true);
  ASSERT_EQ(report["decisions"].size(), 1u);
  EXPECT_EQ(report["decisions"][0]["action"], "probe");
  EXPECT_EQ(report["decisions"][0]["at_ms"], 100.0);
  EXPECT_EQ(report["knobs"][0]["value"], 8.0);
}

TEST(AdaptivePerformanceTunerTest, BoundsAndRateLimitClampWhatControllersAsk) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  Knob& knob =
      tuner.add_knob({.name = "c", .min = 1, .max = 10, .initial = 2},
                     std::make_unique<ScriptedController>(std::vector<double>{1000, 1000, 1000}));
  run_window(tuner, clock);
  EXPECT_EQ(knob.value(), 4);  // x2 per move
  run_window(tuner, clock);
  run_window(tuner, clock);
  EXPECT_EQ(knob.value(), 10);  // the hard bound
  const auto log = tuner.decisions();
  EXPECT_THAT(log[0].evidence, HasSubstr("asked 1000; bounds and rate limit allow 4"));
}

TEST(AdaptivePerformanceTunerTest, DropsSamplesThatStraddleAChange) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  auto controller = std::make_unique<ScriptedController>(std::vector<double>{8});
  ScriptedController* script = controller.get();
  tuner.add_knob({.name = "c", .min = 1, .max = 64, .initial = 4}, std::move(controller));
  run_window(tuner, clock);  // moves to 8 at t = 100 ms
  // A sample covering 90..110 ms mixes both settings; one covering 100..120 does not.
  PerformanceSample straddling = sample_at(clock, 1);
  straddling.at = clock.now() + milliseconds(10);
  tuner.record_performance(straddling);
  clock.advance(milliseconds(20));
  tuner.record_performance(sample_at(clock, 2));
  clock.advance(milliseconds(80));
  tuner.tick();
  ASSERT_EQ(script->windows.size(), 2u);
  ASSERT_EQ(script->windows[1].size(), 1u);
  EXPECT_EQ(script->windows[1][0].throughput, 2);
}

TEST(AdaptivePerformanceTunerTest, FreezeStopsChangesAndUnfreezeStartsControllersOver) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  auto controller = std::make_unique<ScriptedController>(std::vector<double>{8, 16});
  ScriptedController* script = controller.get();
  Knob& knob =
      tuner.add_knob({.name = "c", .min = 1, .max = 64, .initial = 4}, std::move(controller));
  tuner.set_frozen(true);
  run_window(tuner, clock);
  run_window(tuner, clock);
  EXPECT_EQ(knob.value(), 4);
  EXPECT_TRUE(tuner.decisions().empty());
  EXPECT_TRUE(tuner.current_strategy().frozen);
  EXPECT_THAT(tuner.current_strategy().summary(), HasSubstr("frozen"));
  EXPECT_EQ(tuner.performance_history().size(), 10u);  // still measured
  tuner.set_frozen(false);
  EXPECT_EQ(script->resets, 1);
  run_window(tuner, clock);
  EXPECT_EQ(knob.value(), 8);
}

TEST(AdaptivePerformanceTunerTest, FreezingMidTrialReturnsToTheValueTheEvidenceSupports) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  auto controller = std::make_unique<ScriptedController>(std::vector<double>{8});
  ScriptedController* script = controller.get();
  Knob& knob =
      tuner.add_knob({.name = "c", .min = 1, .max = 64, .initial = 4}, std::move(controller));
  run_window(tuner, clock);  // probing 8
  script->best = 4;          // its evidence still supports 4
  tuner.set_frozen(true);
  EXPECT_EQ(knob.value(), 4);
  const auto log = tuner.decisions();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].action, TuneAction::kRevert);
  EXPECT_EQ(log[1].from, 8);
  EXPECT_EQ(log[1].to, 4);
  EXPECT_THAT(log[1].evidence, HasSubstr("frozen"));
  tuner.set_frozen(true);  // already frozen: nothing more
  EXPECT_EQ(tuner.decisions().size(), 2u);
}

TEST(AdaptivePerformanceTunerTest, AThrowingApplyIsLoggedAndTheKnobKeepsItsValue) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  auto controller = std::make_unique<ScriptedController>(std::vector<double>{8});
  ScriptedController* script = controller.get();
  Knob& knob =
      tuner.add_knob({.name = "c",
                      .min = 1,
                      .max = 64,
                      .initial = 4,
                      .apply = [](double) { throw std::runtime_error("pool is stopping"); }},
                     std::move(controller));
  run_window(tuner, clock);
  EXPECT_EQ(knob.value(), 4);
  ASSERT_EQ(tuner.decisions().size(), 1u);
  EXPECT_THAT(tuner.decisions()[0].evidence, HasSubstr("pool is stopping"));
  EXPECT_EQ(tuner.decisions()[0].to, 4);
  EXPECT_EQ(script->resets, 1);
}

TEST(AdaptivePerformanceTunerTest, AggregatesOperationMetricsIntoSamples) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);  // 20 ms samples
  OperationMetrics op;
  op.units = 2;
  op.wall_time = milliseconds(4);
  for (int i = 0; i < 10; ++i) {  // 10 operations of 2 units in the first 20 ms
    tuner.record_performance(op);
    clock.advance(milliseconds(2));
  }
  clock.advance(milliseconds(60));  // then nothing for 60 ms
  tuner.tick();
  const auto samples = tuner.performance_history();
  ASSERT_EQ(samples.size(), 4u);                    // one full, three empty periods
  EXPECT_DOUBLE_EQ(samples[0].throughput, 1000.0);  // 20 units / 20 ms
  EXPECT_EQ(samples[0].latency, milliseconds(4));
  EXPECT_DOUBLE_EQ(samples[1].throughput, 0.0);
  EXPECT_EQ(samples[3].at - samples[0].at, milliseconds(60));
}

TEST(AdaptivePerformanceTunerTest, ALongSilenceStopsProducingZeroSamples) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  tuner.record_performance(OperationMetrics{});
  clock.advance(std::chrono::seconds(10));
  tuner.tick();
  // One sample with the operation, then two windows' worth of empty ones, then nothing.
  EXPECT_EQ(tuner.performance_history().size(), 1u + 2 * 5);
}

TEST(AdaptivePerformanceTunerTest, TunesOneKnobAtATimeAndMovesOnWhenItSettles) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  auto first = std::make_unique<ScriptedController>(std::vector<double>{8});
  ScriptedController* a = first.get();
  auto second = std::make_unique<ScriptedController>(std::vector<double>{3});
  ScriptedController* b = second.get();
  tuner.add_knob({.name = "a", .min = 1, .max = 64, .initial = 4}, std::move(first));
  Knob& kb = tuner.add_knob({.name = "b", .min = 1, .max = 64, .initial = 6}, std::move(second));
  EXPECT_EQ(tuner.current_strategy().knob, "a");
  run_window(tuner, clock);
  EXPECT_TRUE(b->windows.empty());
  a->settled_now = true;
  run_window(tuner, clock);
  EXPECT_EQ(tuner.current_strategy().knob, "b");
  EXPECT_EQ(b->resets, 1);
  run_window(tuner, clock);
  EXPECT_EQ(kb.value(), 3);
  EXPECT_THROW(tuner.add_knob({.name = "a"}, make_controller("hill_climb")), std::invalid_argument);
  EXPECT_THROW(tuner.add_knob({.name = "z"}, nullptr), std::invalid_argument);
}

TEST(AdaptivePerformanceTunerTest, ARealControllerRollsBackAWorseChangeWithinOneWindow) {
  ManualClock clock;
  AdaptivePerformanceTuner tuner(options_100ms(), clock);
  double x = 20;
  tuner.add_knob({.name = "concurrency",
                  .min = 1,
                  .max = 64,
                  .initial = 20,
                  .apply = [&](double v) { x = v; }},
                 make_controller("hill_climb"));
  const auto workload = testing_util::contention(20, 0.02);
  std::uint64_t i = 0;
  for (int w = 0; w < 2; ++w) {
    for (int s = 0; s < 5; ++s) {
      clock.advance(milliseconds(20));
      PerformanceSample sample = workload(x, i++);
      sample.at = clock.now();
      sample.period = milliseconds(20);
      tuner.record_performance(sample);
    }
    tuner.tick();
  }
  const auto log = tuner.decisions();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].action, TuneAction::kProbe);     // 20 -> 10 at 100 ms
  EXPECT_EQ(log[1].action, TuneAction::kRollback);  // back to 20 at 200 ms: one window later
  EXPECT_EQ(log[1].since_start - log[0].since_start, milliseconds(100));
  EXPECT_EQ(x, 20);
  EXPECT_THAT(log[1].evidence, HasSubstr("throughput -50"));
  EXPECT_THAT(tuner.current_strategy().summary(), HasSubstr("tuning concurrency with hill_climb"));
}

TEST(AdaptivePerformanceTunerTest, TheBackgroundThreadStopsPromptly) {
  TunerOptions o;
  o.interval = std::chrono::hours(1);
  AdaptivePerformanceTuner tuner(o);
  tuner.start();
  tuner.start();  // idempotent
  // stop() must wake the hour-long wait through the condition variable: if it slept instead, this
  // test would hang past its ctest timeout and fail.
  tuner.stop();
  tuner.stop();   // idempotent
  tuner.start();  // and it can start again
  tuner.stop();
}

TEST(AdaptivePerformanceTunerTest, TheBackgroundThreadEvaluatesOnItsOwn) {
  TunerOptions o;
  o.interval = milliseconds(5);
  AdaptivePerformanceTuner tuner(o);
  std::atomic<double> applied{0};
  tuner.add_knob({.name = "c",
                  .min = 1,
                  .max = 64,
                  .initial = 4,
                  .apply = [&](double v) { applied.store(v); }},
                 std::make_unique<ScriptedController>(std::vector<double>{8}));
  tuner.start();
  // Keep recording until the thread has evaluated a window with samples in it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (applied.load() != 8 && std::chrono::steady_clock::now() < deadline) {
    PerformanceSample s;
    s.throughput = 1;
    s.period = std::chrono::microseconds(1);
    tuner.record_performance(s);
    std::this_thread::sleep_for(milliseconds(1));
  }
  tuner.stop();
  EXPECT_EQ(applied.load(), 8);
}

TEST(AdaptivePerformanceTunerTest, OptionsComeFromTheConfig) {
  OptimizationConfig cfg;
  cfg.tuning_interval = std::chrono::seconds(7);
  cfg.performance_history_size = 42;
  const TunerOptions o = TunerOptions::from_config(cfg);
  EXPECT_EQ(o.interval, std::chrono::seconds(7));
  EXPECT_EQ(o.history_size, 42u);
  TunerOptions bad;
  bad.interval = std::chrono::nanoseconds(0);
  EXPECT_THROW(AdaptivePerformanceTuner{bad}, std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
