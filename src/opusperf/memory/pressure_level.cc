#include "opusperf/memory/pressure_level.h"

#include <fmt/format.h>

#include <stdexcept>

namespace opusperf {

std::string_view to_string(PressureLevel level) {
  switch (level) {
    case PressureLevel::kNormal:
      return "normal";
    case PressureLevel::kElevated:
      return "elevated";
    case PressureLevel::kHigh:
      return "high";
    case PressureLevel::kCritical:
      return "critical";
  }
  return "unknown";
}

PressureThresholds PressureThresholds::from(const OptimizationConfig& config) {
  PressureThresholds t;
  t.elevated = config.memory_elevated_threshold;
  t.high = config.memory_threshold;
  t.critical = config.memory_critical_threshold;
  t.psi = config.memory_psi_threshold;
  return t;
}

PressureClassifier::PressureClassifier(PressureThresholds thresholds) : t_(thresholds) {
  if (!(t_.elevated > 0 && t_.elevated < t_.high && t_.high < t_.critical && t_.critical <= 1)) {
    throw std::invalid_argument(
        fmt::format("pressure thresholds must satisfy 0 < elevated < high < critical <= 1, got "
                    "{} / {} / {}",
                    t_.elevated, t_.high, t_.critical));
  }
  if (!(t_.psi > 0 && t_.psi <= 100)) {
    throw std::invalid_argument(fmt::format("PSI threshold must be in (0, 100], got {}", t_.psi));
  }
  if (!(t_.share_hysteresis >= 0 && t_.share_hysteresis < t_.elevated) ||
      !(t_.psi_hysteresis >= 0 && t_.psi_hysteresis < 1)) {
    throw std::invalid_argument(
        fmt::format("hysteresis margins out of range: share {} (0 .. elevated), psi {} (0 .. 1)",
                    t_.share_hysteresis, t_.psi_hysteresis));
  }
}

PressureLevel PressureClassifier::classify(std::optional<double> share, std::optional<double> some,
                                           std::optional<double> full) const {
  // At or above the current level a condition uses its exit threshold, below it the entry one.
  const auto share_at = [&](PressureLevel l, double entry) {
    if (!share) return false;
    return *share >= (level_ >= l ? entry - t_.share_hysteresis : entry);
  };
  const auto psi_at = [&](PressureLevel l, std::optional<double> v) {
    if (!v) return false;
    return *v >= (level_ >= l ? t_.psi * (1 - t_.psi_hysteresis) : t_.psi);
  };
  using L = PressureLevel;
  if (share_at(L::kCritical, t_.critical) || psi_at(L::kCritical, full)) return L::kCritical;
  if (share_at(L::kHigh, t_.high) || psi_at(L::kHigh, some)) return L::kHigh;
  if (share_at(L::kElevated, t_.elevated)) return L::kElevated;
  return L::kNormal;
}

PressureLevel PressureClassifier::update(std::optional<double> usage_share,
                                         std::optional<double> psi_some_avg10,
                                         std::optional<double> psi_full_avg10) {
  level_ = classify(usage_share, psi_some_avg10, psi_full_avg10);
  return level_;
}

}  // namespace opusperf
