#include "opusperf/tune/hill_climber.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "opusperf/tune/sample_stats.h"
#include "opusperf/tune/student_t.h"

namespace opusperf {
namespace {

const HillClimberOptions& validated(const HillClimberOptions& o) {
  const auto fail = [](const char* field, const char* rule) {
    throw std::invalid_argument(fmt::format("HillClimberOptions.{}: {}", field, rule));
  };
  if (!(o.significance > 0.0 && o.significance < 0.5)) fail("significance", "must be in (0, 0.5)");
  if (o.min_samples < 2) fail("min_samples", "must be >= 2");
  if (o.max_samples < o.min_samples) fail("max_samples", "must be >= min_samples");
  if (o.base_samples < o.max_samples) fail("base_samples", "must be >= max_samples");
  if (!(o.initial_step > 0.0) || !std::isfinite(o.initial_step))
    fail("initial_step", "must be > 0");
  if (!(o.near_elasticity >= 0.0)) fail("near_elasticity", "must be >= 0");
  if (!(o.cheaper_tolerance >= 0.0)) fail("cheaper_tolerance", "must be >= 0");
  if (!(o.shift_threshold > 0.0)) fail("shift_threshold", "must be > 0");
  if (!(o.shift_significance > 0.0 && o.shift_significance < 0.5)) {
    fail("shift_significance", "must be in (0, 0.5)");
  }
  if (o.max_hold_windows < 0) fail("max_hold_windows", "must be >= 0");
  return o;
}

// Returns (a - b) / |b|: the relative change from b to a; ±infinity from a zero base.
double relative_change(double a, double b) {
  if (b != 0.0) return (a - b) / std::fabs(b);
  if (a == b) return 0.0;
  return a > b ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
}

SampleStats stats_of(const std::deque<double>& values) {
  SampleStats s;
  for (double v : values)
    s.add(v);
  return s;
}

}  // namespace

HillClimber::HillClimber(HillClimberOptions options, std::unique_ptr<Objective> objective)
    : options_(validated(options)),
      objective_(objective ? std::move(objective) : make_objective("throughput")) {}

void HillClimber::push_base(double score) {
  base_.push_back(score);
  while (base_.size() > options_.base_samples)
    base_.pop_front();
}

void HillClimber::restart_at(const Knob& knob, double value, std::vector<double> samples) {
  base_value_ = value;
  base_.clear();
  for (double s : samples)
    push_base(s);
  suspect_.reset();
  candidate_scores_.clear();
  step_ = options_.initial_step;
  // Search downward first (the cheaper side) unless already at the bottom.
  direction_ = value > knob.min() ? -1 : 1;
  other_side_known_ = false;
  hold_windows_ = 0;
  held_ = 0;
  streak_ = 0;
  phase_ = Phase::kMeasure;
}

bool HillClimber::at_min_step(const Knob& knob) const {
  const double u = knob.offset(base_value_);
  return u * (std::exp2(step_) - 1.0) <= knob.step() * (1.0 + 1e-9);
}

double HillClimber::candidate_toward(const Knob& knob, int direction) const {
  const double u = knob.offset(base_value_);
  const double factor = std::exp2(step_);
  const double target =
      direction > 0 ? std::max(u * factor, u + knob.step()) : std::min(u / factor, u - knob.step());
  return knob.admissible_from(base_value_, knob.from_offset(target));
}

std::string HillClimber::compare_text(double rel, std::size_t n_candidate, std::size_t n_base,
                                      double p) const {
  return fmt::format("{} {:+.1f}% at {:g} vs {:g} ({} vs {} samples, Welch p={:.2g})",
                     objective_->name(), 100.0 * rel, candidate_, base_value_, n_candidate, n_base,
                     p);
}

std::vector<ControlDecision> HillClimber::evaluate(const Knob& knob,
                                                   std::span<const PerformanceSample> samples) {
  std::vector<ControlDecision> out;
  if (samples.empty()) return out;
  std::vector<double> scores;
  scores.reserve(samples.size());
  for (const PerformanceSample& s : samples)
    scores.push_back(objective_->score(s));

  const double expected = phase_ == Phase::kCandidate ? candidate_ : base_value_;
  if (!started_ || knob.value() != expected) {
    restart_at(knob, knob.value(), {});
    started_ = true;
  }
  switch (phase_) {
    case Phase::kMeasure:
      observe_base(knob, scores, out);
      if (base_.size() >= options_.min_samples) start_probe(knob, "", out);
      break;
    case Phase::kHold:
      if (observe_base(knob, scores, out)) {
        if (base_.size() >= options_.min_samples) start_probe(knob, "", out);
      } else if (!suspect_ && ++held_ > hold_windows_) {
        start_probe(knob, "", out);
      }
      break;
    case Phase::kBaseline:
      if (observe_base(knob, scores, out)) {
        if (base_.size() >= options_.min_samples) start_probe(knob, "", out);
      } else if (!suspect_) {
        judge_trial(knob, out);
      }
      break;
    case Phase::kCandidate:
      candidate_scores_.insert(candidate_scores_.end(), scores.begin(), scores.end());
      judge_trial(knob, out);
      break;
  }
  min_step_ = at_min_step(knob);
  return out;
}

bool HillClimber::observe_base(const Knob& knob, const std::vector<double>& scores,
                               std::vector<ControlDecision>& out) {
  if (suspect_) {
    std::vector<double> both = std::move(*suspect_);
    suspect_.reset();
    both.insert(both.end(), scores.begin(), scores.end());
    const SampleStats window(both);
    const SampleStats recent = stats_of(base_);
    const TTestResult t = welch_t_test(window, recent);
    const double rel = relative_change(window.mean(), recent.mean());
    if (t.p_value < options_.shift_significance && std::fabs(rel) >= options_.shift_threshold) {
      out.push_back({TuneAction::kReset, base_value_, base_value_,
                     fmt::format("workload shift: {} at {:g} changed {:+.1f}% ({} new vs {} recent "
                                 "samples, Welch p={:.2g}); searching again from step x{:.3g}",
                                 objective_->name(), base_value_, 100.0 * rel, both.size(),
                                 base_.size(), t.p_value, std::exp2(options_.initial_step)),
                     1.0 - t.p_value});
      restart_at(knob, base_value_, std::move(both));
      return true;
    }
    for (double s : both)
      push_base(s);
    return false;
  }
  if (base_.size() >= options_.min_samples) {
    const SampleStats window(scores);
    const SampleStats recent = stats_of(base_);
    const TTestResult t = welch_t_test(window, recent);
    if (t.p_value < options_.significance &&
        std::fabs(relative_change(window.mean(), recent.mean())) >= options_.shift_threshold) {
      suspect_ = scores;  // confirmed or cleared by the next window at the base value
      return false;
    }
  }
  for (double s : scores)
    push_base(s);
  return false;
}

void HillClimber::judge_trial(const Knob& knob, std::vector<ControlDecision>& out) {
  if (candidate_scores_.size() < options_.min_samples) {
    if (phase_ == Phase::kBaseline) {
      phase_ = Phase::kCandidate;
      out.push_back({TuneAction::kProbe, base_value_, candidate_, "resuming the trial", 0.0});
    }
    return;
  }
  const SampleStats cand(candidate_scores_);
  const SampleStats base = stats_of(base_);
  const TTestResult t = welch_t_test(cand, base);
  const double rel = relative_change(cand.mean(), base.mean());
  last_p_ = t.p_value;
  const std::string text = compare_text(rel, cand.n(), base.n(), t.p_value);
  if (t.p_value < options_.significance && rel > 0) {
    accept(knob, rel, /*cheaper=*/false, text, 1.0 - t.p_value, out);
    return;
  }
  if (t.p_value < options_.significance && rel < 0) {
    abandon(knob, TuneAction::kRollback, text, 1.0 - t.p_value, out);
    return;
  }
  if (cand.n() >= options_.max_samples) {
    const bool cheaper = knob.cost() == KnobCost::kIncreasing && candidate_ < base_value_;
    if (cheaper && rel > -options_.cheaper_tolerance) {
      accept(knob, rel, /*cheaper=*/true,
             text + fmt::format("; no significant loss, so the cheaper setting"), 1.0 - t.p_value,
             out);
    } else {
      abandon(knob, TuneAction::kRevert, text + "; no significant gain", 1.0 - t.p_value, out);
    }
    return;
  }
  // Undecided: measure whichever side has fewer samples next, so both grow alike.
  const std::string why = fmt::format("undecided so far: {}", text);
  if (phase_ == Phase::kCandidate && base.n() < cand.n()) {
    phase_ = Phase::kBaseline;
    out.push_back({TuneAction::kProbe, candidate_, base_value_, "re-measuring the base, " + why,
                   1.0 - t.p_value});
  } else if (phase_ == Phase::kBaseline) {
    phase_ = Phase::kCandidate;
    out.push_back({TuneAction::kProbe, base_value_, candidate_, "back to the candidate, " + why,
                   1.0 - t.p_value});
  }
}

void HillClimber::accept(const Knob& knob, double rel, bool cheaper, std::string evidence,
                         double confidence, std::vector<ControlDecision>& out) {
  const double from = base_value_;
  const double to = candidate_;
  out.push_back({TuneAction::kAccept, from, to, std::move(evidence), confidence});
  const int direction = to > from ? 1 : -1;
  const bool same_direction = direction == direction_;
  direction_ = direction;
  base_value_ = to;
  base_.clear();
  for (double s : candidate_scores_)
    push_base(s);
  candidate_scores_.clear();
  suspect_.reset();
  other_side_known_ = true;  // we came from there: it measured worse (or no cheaper)
  hold_windows_ = 0;
  if (!cheaper) {
    const double elasticity =
        std::log1p(rel) / std::fabs(std::log(knob.offset(to) / knob.offset(from)));
    if (elasticity < options_.near_elasticity && !at_min_step(knob)) {
      step_ /= 2;
      direction_ = -direction_;
      other_side_known_ = false;
      streak_ = 0;
      start_probe(knob,
                  fmt::format("; the gain was small for the move (elasticity {:.2f}), so the peak "
                              "lies between: half the step, turning back",
                              elasticity),
                  out);
      return;
    }
  }
  streak_ = same_direction ? streak_ + 1 : 1;
  std::string why;
  if (streak_ >= 2 && step_ < options_.initial_step) {
    step_ = std::min(options_.initial_step, step_ * 2);
    streak_ = 0;
    why = "; two gains in a row: doubling the step";
  }
  start_probe(knob, why, out);
}

void HillClimber::abandon(const Knob& knob, TuneAction action, std::string evidence,
                          double confidence, std::vector<ControlDecision>& out) {
  out.push_back({action, candidate_, base_value_, std::move(evidence), confidence});
  candidate_scores_.clear();
  streak_ = 0;
  if (other_side_known_) {
    // Neither direction helps at this step.
    if (at_min_step(knob)) {
      hold_windows_ = std::min(2 * hold_windows_ + 1, options_.max_hold_windows);
    } else {
      step_ /= 2;
    }
    other_side_known_ = false;
  } else {
    other_side_known_ = true;
    direction_ = -direction_;
  }
  // Hold at least one window: it verifies the base value still measures as before (a workload
  // shift shows up here) before the next probe.
  phase_ = Phase::kHold;
  held_ = 0;
}

void HillClimber::start_probe(const Knob& knob, std::string why,
                              std::vector<ControlDecision>& out) {
  double c = candidate_toward(knob, direction_);
  if (c == base_value_) {  // at a bound: only the other way is open
    direction_ = -direction_;
    other_side_known_ = true;
    c = candidate_toward(knob, direction_);
  }
  if (c == base_value_) {  // pinned (min == max on the grid)
    phase_ = Phase::kHold;
    held_ = 0;
    return;
  }
  phase_ = Phase::kCandidate;
  candidate_ = c;
  candidate_scores_.clear();
  const SampleStats base = stats_of(base_);
  out.push_back({TuneAction::kProbe, base_value_, c,
                 fmt::format("trying x{:.3g} {}: {} at {:g} is {:.4g} over {} samples{}",
                             std::exp2(step_), direction_ > 0 ? "up" : "down", objective_->name(),
                             base_value_, base.mean(), base.n(), why),
                 0.0});
}

bool HillClimber::settled() const {
  return started_ && min_step_ && hold_windows_ > 0 && !suspect_;
}

std::string HillClimber::describe() const {
  const std::string goal = objective_->describe();
  if (!started_) return goal + ": waiting for the first window";
  switch (phase_) {
    case Phase::kMeasure:
      return fmt::format("{}: measuring {:g} ({} of {} samples)", goal, base_value_, base_.size(),
                         options_.min_samples);
    case Phase::kHold:
      if (suspect_) {
        return fmt::format("{}: holding {:g}, confirming a possible workload shift", goal,
                           base_value_);
      }
      if (hold_windows_ > 0) {
        return fmt::format(
            "{}: holding {:g}, the best found: the smallest step helped in neither direction; "
            "next probe in {} window(s)",
            goal, base_value_, hold_windows_ - held_ + 1);
      }
      return fmt::format("{}: holding {:g} to verify it after undoing a change", goal, base_value_);
    case Phase::kCandidate:
    case Phase::kBaseline:
      return fmt::format("{}: comparing {:g} against {:g} (step x{:.3g}, {} vs {} samples so far)",
                         goal, candidate_, base_value_, std::exp2(step_), candidate_scores_.size(),
                         base_.size());
  }
  return goal;
}

}  // namespace opusperf
