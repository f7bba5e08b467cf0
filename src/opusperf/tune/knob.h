// Knob: a named setting the tuner may change while the service runs (worker-pool concurrency,
// batch size, cache capacity or window share, prefetch depth, chunk size), with hard bounds, a
// grid, a limit on how far one move may go, and the callback that applies a new value.
//
//   Knob pool_size({.name = "pool_concurrency", .min = 1, .max = cfg.max_workers, .step = 1,
//                   .initial = 4, .apply = [&](double v) { limiter.set_limit(v); }});
//   pool_size.admissible(100);   // where a move toward 100 would land: 8 (at most x2 per move)
//   pool_size.set(100);          // moves to 8 and calls apply(8)
//
// Safety: the value never leaves [min, max] and always lies on the grid min + k * step. One move
// changes the value by at most a factor of max_factor_per_move, measured on the offset
// (value - min + step), which is always at least one step, so a knob at its minimum can still move
// by a step. The tuner moves a knob at most a few times per evaluation window, so together this
// bounds how fast any knob moves.
//
// Thread-safety: value() may be read from any thread; set() must be called by one thread at a time
// (AdaptivePerformanceTuner serializes its moves). apply() runs on the thread that calls set().
// Not copyable: the tuner and components keep references. Cost: set() is the apply callback plus
// a few arithmetic operations.
#pragma once

#include <atomic>
#include <functional>
#include <string>

namespace opusperf {

// Which side of a knob costs less, for a controller that must choose between settings it cannot
// tell apart: with kIncreasing (concurrency, capacity, depth), the lower value wins a tie.
enum class KnobCost { kIncreasing, kNeutral };

struct KnobSpec {
  std::string name;                  // non-empty; names the knob in the decision log and metrics
  double min = 1.0;                  // hard lower bound
  double max = 64.0;                 // hard upper bound; > min
  double step = 1.0;                 // grid spacing; > 0 (1 for integer settings)
  double initial = 1.0;              // starting value; in [min, max], snapped down onto the grid
  double max_factor_per_move = 2.0;  // > 1: at most x2 / ÷2 of the offset per move
  KnobCost cost = KnobCost::kIncreasing;
  std::function<void(double)> apply = nullptr;  // called with each new value; may be empty
};

class Knob {
 public:
  // REQUIRES: spec as documented on KnobSpec; throws std::invalid_argument naming the field.
  explicit Knob(KnobSpec spec);
  Knob(const Knob&) = delete;
  Knob& operator=(const Knob&) = delete;

  const std::string& name() const { return spec_.name; }
  double min() const { return spec_.min; }
  double max() const { return spec_.max; }
  double step() const { return spec_.step; }
  double max_factor_per_move() const { return spec_.max_factor_per_move; }
  KnobCost cost() const { return spec_.cost; }
  // Returns the current value.
  double value() const { return value_.load(std::memory_order_acquire); }

  // Returns the value a move toward `target` from the current value lands on: at most a factor of
  // max_factor_per_move away (on the offset), inside [min, max], on the grid, rounded toward the
  // current value (a move smaller than a step does not happen).
  double admissible(double target) const { return admissible_from(value(), target); }
  // Returns where a move from `from` toward `target` lands, by the same rules. Controllers use it
  // to plan a move from a value the knob will hold once their earlier decisions are applied.
  double admissible_from(double from, double target) const;
  // Moves to admissible(target) and, when that differs from the current value, calls apply with
  // it. Returns the new value. If apply throws, the value is unchanged and the exception
  // propagates.
  double set(double target);

  // The offset coordinate in which moves are relative: value - min + step (>= step > 0).
  double offset(double value) const { return value - spec_.min + spec_.step; }
  double from_offset(double offset) const { return offset + spec_.min - spec_.step; }

 private:
  double snap_toward(double target, double current) const;

  const KnobSpec spec_;
  std::atomic<double> value_;
};

}  // namespace opusperf
