// HillClimber: a noise-aware hill climber that moves a knob toward the setting with the best
// Objective score (throughput by default), for knobs whose best value nobody knows in advance and
// that moves with the workload: worker-pool concurrency, batch size, cache window share.
//
// How it decides. It holds a base value and tries a candidate one step away, alternating windows
// at the candidate and at the base (so slow drift hits both alike) until Welch's t-test separates
// them at the significance level or the candidate has max_samples samples:
//   - significantly better: keep it (accept) and step on in that direction;
//   - significantly worse: roll back at once (within the window that showed it);
//   - no significant difference: keep the cheaper setting (KnobCost::kIncreasing: the lower one,
//     when its measured loss is under cheaper_tolerance), else go back (revert).
// Steps are multiplicative on the knob's offset (value - min + step): the first is x2, and a step
// halves when both directions fail or when an accepted move gained little for its size (gain
// elasticity under near_elasticity: the peak lies between), down to one grid step; two gains in a
// row in one direction double it again. Once the smallest step fails both ways it probes less and
// less often (up to max_hold_windows apart). Every window measured at the base value is compared
// with the recent ones: a change beyond shift_threshold, confirmed by the next window at
// shift_significance, is a workload shift, and the search restarts with the first step.
//
// Defaults are tuned on `opusperf bench tune` (bench/tune/scenarios) with 5% sample noise and 5
// samples a window; see each field. Thread-safety: none (Controller). Cost per evaluation:
// O(samples
// + base_samples).
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "opusperf/tune/controller.h"
#include "opusperf/tune/objective.h"

namespace opusperf {

struct HillClimberOptions {
  // p-value below which a difference between candidate and base counts. Tested after every
  // window, so the rate of false moves per trial is a few times this. (0, 0.5).
  double significance = 0.005;
  // Samples each side needs before the first test. >= 2.
  std::size_t min_samples = 3;
  // Samples at the candidate after which an undecided trial ends (cheaper or revert).
  // >= min_samples.
  std::size_t max_samples = 30;
  // Most recent samples kept at the base value (older ones age out, so drift does not pile up).
  // >= max_samples.
  std::size_t base_samples = 50;
  // log2 of the first move's factor: 1 = x2. > 0.
  double initial_step = 1.0;
  // An accepted move whose gain elasticity (log gain / log move) is below this halves the step and
  // turns back: the peak lies between the two settings. >= 0; 0 never turns back early.
  double near_elasticity = 0.5;
  // Largest measured loss (a share) at which an undecided cheaper candidate is still kept. >= 0.
  double cheaper_tolerance = 0.03;
  // Relative change of the base value's score that counts as a workload shift. > 0.
  double shift_threshold = 0.10;
  // p-value that confirms a shift over two windows. (0, 0.5).
  double shift_significance = 0.001;
  // Longest pause between probes, in windows, once the smallest step stopped helping. >= 0.
  int max_hold_windows = 8;
};

class HillClimber final : public Controller {
 public:
  // REQUIRES: options as documented (throws std::invalid_argument naming the field). A null
  // objective means "throughput".
  explicit HillClimber(HillClimberOptions options = {},
                       std::unique_ptr<Objective> objective = nullptr);

  std::string_view name() const override { return "hill_climb"; }
  std::vector<ControlDecision> evaluate(const Knob& knob,
                                        std::span<const PerformanceSample> samples) override;
  void reset() override { started_ = false; }
  std::string describe() const override;
  bool settled() const override;
  std::optional<double> best_value() const override {
    return started_ ? std::optional<double>(base_value_) : std::nullopt;
  }

  const HillClimberOptions& options() const { return options_; }
  const Objective& objective() const { return *objective_; }

 private:
  enum class Phase { kMeasure, kHold, kCandidate, kBaseline };

  void restart_at(const Knob& knob, double value, std::vector<double> samples);
  // Adds a window measured at the base value; returns true when it confirmed a workload shift
  // (the search restarted and a reset decision was added to `out`).
  bool observe_base(const Knob& knob, const std::vector<double>& scores,
                    std::vector<ControlDecision>& out);
  void judge_trial(const Knob& knob, std::vector<ControlDecision>& out);
  void accept(const Knob& knob, double rel, bool cheaper, std::string evidence, double confidence,
              std::vector<ControlDecision>& out);
  void abandon(const Knob& knob, TuneAction action, std::string evidence, double confidence,
               std::vector<ControlDecision>& out);
  void start_probe(const Knob& knob, std::string why, std::vector<ControlDecision>& out);
  double candidate_toward(const Knob& knob, int direction) const;
  bool at_min_step(const Knob& knob) const;
  void push_base(double score);
  std::string compare_text(double rel, std::size_t n_candidate, std::size_t n_base, double p) const;

  const HillClimberOptions options_;
  const std::unique_ptr<Objective> objective_;

  bool started_ = false;
  Phase phase_ = Phase::kMeasure;
  double base_value_ = 0.0;
  std::deque<double> base_;                     // recent scores at the base value, oldest first
  std::optional<std::vector<double>> suspect_;  // a base window that looked like a shift
  double candidate_ = 0.0;
  std::vector<double> candidate_scores_;
  double step_ = 1.0;              // log2 of the move factor
  int direction_ = 1;              // +1 up, -1 down
  bool other_side_known_ = false;  // the other direction at this step is known not to help
  int hold_windows_ = 0;           // windows to hold between probes once converged
  int held_ = 0;
  int streak_ = 0;         // accepted moves in a row in one direction
  bool min_step_ = false;  // at_min_step() at the last evaluation
  double last_p_ = 1.0;
};

}  // namespace opusperf
