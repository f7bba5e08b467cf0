// Memory pressure levels and the classifier that turns memory figures into one, with hysteresis.
//
//   PressureClassifier c(PressureThresholds::from(config));
//   PressureLevel level = c.update(usage_share, psi_some_avg10, psi_full_avg10);
//
// A level is entered when the usage share (of the cgroup limit, else of physical memory) reaches
// its threshold, or when pressure stalls say so: PSI "some" avg10 at or above the PSI threshold
// means at least kHigh (tasks are already waiting on reclaim), PSI "full" avg10 at or above it
// means kCritical (everything is waiting). A level is left only when the figures fall below the
// entry thresholds by the hysteresis margins, so a share hovering at a threshold does not flap.
//
// Thread-safety: not thread-safe (update() keeps the current level); one owner calls it.
// Cost: a few comparisons.
#pragma once

#include <optional>
#include <string_view>

#include "opusperf/core/config.h"

namespace opusperf {

enum class PressureLevel { kNormal = 0, kElevated = 1, kHigh = 2, kCritical = 3 };

// Returns "normal", "elevated", "high" or "critical".
std::string_view to_string(PressureLevel level);

struct PressureThresholds {
  double elevated = 0.70;  // usage shares of the limit, 0 < elevated < high < critical <= 1
  double high = 0.80;
  double critical = 0.90;
  double psi = 10.0;  // PSI avg10 percent (0 .. 100) that counts as pressure
  // A level is left when the usage share drops below its threshold minus this (share units).
  double share_hysteresis = 0.05;
  // ... and the PSI figure below psi * (1 - psi_hysteresis).
  double psi_hysteresis = 0.25;

  // Returns the config's thresholds (memory_elevated_threshold, memory_threshold,
  // memory_critical_threshold, memory_psi_threshold) with the default hysteresis margins.
  static PressureThresholds from(const OptimizationConfig& config);
};

class PressureClassifier {
 public:
  // REQUIRES: thresholds as documented (throws std::invalid_argument otherwise).
  explicit PressureClassifier(PressureThresholds thresholds);

  // Returns the level for these figures given the current one, and makes it current. A nullopt
  // figure is unknown and does not count. usage_share is 0..1+ of the limit; PSI figures are
  // percentages.
  PressureLevel update(std::optional<double> usage_share, std::optional<double> psi_some_avg10,
                       std::optional<double> psi_full_avg10);

  PressureLevel level() const { return level_; }
  const PressureThresholds& thresholds() const { return t_; }

 private:
  // Returns the highest level whose (entry, or exit when already at or above it) condition holds.
  PressureLevel classify(std::optional<double> share, std::optional<double> some,
                         std::optional<double> full) const;

  PressureThresholds t_;
  PressureLevel level_ = PressureLevel::kNormal;
};

}  // namespace opusperf
