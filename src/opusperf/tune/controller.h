// Controller: the policy that tunes one knob, behind one small interface so the tuner, the
// simulator (`opusperf bench tune`) and tests drive the same classes. Chosen by name
// (controller_factory.h): "hill_climb" (hill_climber.h) maximises an Objective; "gradient"
// (gradient_limiter.h) limits concurrency by latency.
//
// Each evaluation window the tuner hands the controller the samples taken while the knob held its
// current value for the whole sample period (samples that straddle a change are dropped), and
// applies the decisions it returns, in order. Every decision becomes an entry of the tuner's
// decision log, so a controller states its evidence and confidence for each.
//
// Thread-safety: none; the tuner serializes calls. Cost: O(samples) per evaluation.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/tune/knob.h"
#include "opusperf/tune/performance_sample.h"

namespace opusperf {

// What a decision does to the knob.
enum class TuneAction {
  kProbe,     // try a candidate value (or re-measure the current one against a candidate)
  kAccept,    // keep a candidate: it measured better (or as good and cheaper)
  kRollback,  // undo a change that measured worse
  kRevert,    // undo a change that did not measure better
  kMove,      // a control-law step (gradient limiter)
  kMeasure,   // move to a setting that measures a baseline (the gradient limiter's minimum RTT)
  kReset,     // the workload shifted: forget what was learned and search again
};

// Returns "probe", "accept", "rollback", "revert", "move", "measure" or "reset".
std::string_view to_string(TuneAction action);

struct ControlDecision {
  TuneAction action = TuneAction::kMove;
  double from = 0.0;        // the knob's value the decision starts from
  double to = 0.0;          // the value it asks for; == from when it moves nothing (accept, reset)
  std::string evidence;     // the measurements behind it, e.g. "throughput +10.4% (p=0.003)"
  double confidence = 0.0;  // in [0, 1]: 1 - the p-value of the test behind it
};

class Controller {
 public:
  virtual ~Controller() = default;
  // Returns the name it was made by ("hill_climb", "gradient").
  virtual std::string_view name() const = 0;
  // Evaluates one window: `samples` (non-empty) were taken while `knob` held knob.value(). Returns
  // the decisions to apply in order (empty = hold). Targets are computed with knob.admissible(),
  // so applying them lands exactly on them. If the knob holds a value the controller did not ask
  // for, it starts over from that value.
  virtual std::vector<ControlDecision> evaluate(const Knob& knob,
                                                std::span<const PerformanceSample> samples) = 0;
  // Forgets what it learned; the next evaluate() starts over from the knob's value.
  virtual void reset() = 0;
  // Returns what it is doing now and why, in one sentence.
  virtual std::string describe() const = 0;
  // Returns whether it has converged (its smallest moves stopped helping), so the tuner may turn
  // to another knob.
  virtual bool settled() const = 0;
  // Returns the value its evidence supports now (the hill climber's base, not a candidate on
  // trial; the gradient limiter's limit, not a minimum-RTT measurement), or nullopt before it has
  // any. The tuner moves the knob there when it is frozen mid-trial.
  virtual std::optional<double> best_value() const = 0;
};

}  // namespace opusperf
