// PerformanceSample: what a service measured over one short period (work completed per second,
// latency, work in flight), the input of AdaptivePerformanceTuner::record_performance and of its
// controllers. WindowSummary condenses the samples of one evaluation window.
//
// Units: throughput in work units per second (requests, frames, bytes: whatever the service
// counts), latency in nanoseconds, concurrency in work units in flight. A value type; thread-safe
// to copy. Cost: summarize() is O(samples).
#pragma once

#include <chrono>
#include <span>

#include "opusperf/core/clock.h"

namespace opusperf {

struct PerformanceSample {
  // End of the period the sample covers. Left at the epoch (the default), the tuner stamps it with
  // its clock's now() when it is recorded.
  Clock::time_point at{};
  // Length of that period; 0 (the default) means the tuner's sample period. The tuner uses
  // [at - period, at] to drop samples that straddle a knob change.
  std::chrono::nanoseconds period{0};
  // Work units completed per second over the period. >= 0.
  double throughput = 0.0;
  // Mean latency of the work completed in the period; 0 = not measured.
  std::chrono::nanoseconds latency{0};
  // Mean work units in flight over the period; 0 = not measured.
  double concurrency = 0.0;
};

// The samples of one window in a few numbers.
struct WindowSummary {
  std::size_t samples = 0;
  double mean_throughput = 0.0;
  // Completion-weighted mean latency (each sample's latency weighted by its throughput) over the
  // samples that measured latency; 0 when none did.
  std::chrono::nanoseconds latency{0};
  // Mean concurrency over the samples that measured it; 0 when none did.
  double mean_concurrency = 0.0;
};

// Returns the summary of `samples`.
WindowSummary summarize(std::span<const PerformanceSample> samples);

}  // namespace opusperf
