#include "opusperf/tune/knob.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace opusperf {
namespace {

// Tolerance for floating-point grid arithmetic: 1e-9 of a step.
constexpr double kGridSlack = 1e-9;

const KnobSpec& validated(const KnobSpec& s) {
  const auto fail = [&](const char* what) {
    throw std::invalid_argument("knob '" + s.name + "': " + what);
  };
  if (s.name.empty()) throw std::invalid_argument("knob: name must not be empty");
  if (!std::isfinite(s.min) || !std::isfinite(s.max) || !(s.min < s.max)) {
    fail("min and max must be finite with min < max");
  }
  if (!std::isfinite(s.step) || !(s.step > 0.0)) fail("step must be > 0");
  if (!(s.initial >= s.min && s.initial <= s.max)) fail("initial must lie in [min, max]");
  if (!std::isfinite(s.max_factor_per_move) || !(s.max_factor_per_move > 1.0)) {
    fail("max_factor_per_move must be > 1");
  }
  return s;
}

}  // namespace

Knob::Knob(KnobSpec spec) : spec_(validated(spec)), value_(0.0) {
  value_.store(snap_toward(spec_.initial, spec_.min), std::memory_order_release);
}

double Knob::snap_toward(double target, double current) const {
  const double k = (target - spec_.min) / spec_.step;
  // Round toward the current value, so snapping never lengthens a move past the rate limit.
  const double steps = target >= current ? std::floor(k + kGridSlack) : std::ceil(k - kGridSlack);
  double v = spec_.min + steps * spec_.step;
  if (v > spec_.max) v -= spec_.step;  // max need not lie on the grid
  return std::clamp(v, spec_.min, spec_.max);
}

double Knob::admissible_from(double current, double target) const {
  if (std::isnan(target)) return current;
  const double u = offset(current);
  const double f = spec_.max_factor_per_move;
  const double limited = std::clamp(offset(std::clamp(target, spec_.min, spec_.max)), u / f, u * f);
  return snap_toward(from_offset(limited), current);
}

double Knob::set(double target) {
  const double next = admissible(target);
  if (next == value()) return next;
  if (spec_.apply) spec_.apply(next);
  value_.store(next, std::memory_order_release);
  return next;
}

}  // namespace opusperf
