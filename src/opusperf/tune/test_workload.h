// Test helper (tests only): drives a Controller against a deterministic workload, as the tuner
// would, without the tuner. A workload maps the knob's value and the sample index to one sample;
// "noise" in these series is a fixed pseudo-random pattern, so every run is identical.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <numbers>
#include <vector>

#include "opusperf/tune/controller.h"
#include "opusperf/tune/knob.h"

namespace opusperf::testing_util {

using Workload = std::function<PerformanceSample(double value, std::uint64_t index)>;

// A deterministic stand-in for N(0, 1) noise: a fixed sequence with mean about 0 and standard
// deviation about 1 (a golden-ratio low-discrepancy sequence through a sine).
inline double pattern_noise(std::uint64_t i) {
  const double u = std::fmod(static_cast<double>(i) * 0.6180339887498949, 1.0);
  return std::sqrt(2.0) * std::sin(2.0 * std::numbers::pi * u);
}

struct DriveResult {
  std::vector<double> values;  // the knob's value at each window
  std::vector<ControlDecision> decisions;
};

// Runs `windows` evaluation windows of `per_window` samples each: samples come from `workload` at
// the knob's current value, the controller evaluates them, its decisions are applied with
// knob.set(). Returns the knob's value during each window and every decision.
inline DriveResult drive(Controller& controller, Knob& knob, const Workload& workload, int windows,
                         int per_window = 5, std::uint64_t first_index = 0) {
  DriveResult r;
  std::uint64_t index = first_index;
  for (int w = 0; w < windows; ++w) {
    std::vector<PerformanceSample> samples;
    for (int i = 0; i < per_window; ++i)
      samples.push_back(workload(knob.value(), index++));
    r.values.push_back(knob.value());
    for (const ControlDecision& d : controller.evaluate(knob, samples)) {
      knob.set(d.to);
      r.decisions.push_back(d);
    }
  }
  return r;
}

// Throughput that rises linearly to `optimum` and falls 20% per optimum-width beyond it, times
// 1 + noise x pattern_noise.
inline Workload contention(double optimum, double noise, double peak = 1000.0) {
  return [=](double x, std::uint64_t i) {
    const double share =
        x <= optimum ? x / optimum : std::max(0.05, 1 - 0.2 * (x - optimum) / optimum);
    PerformanceSample s;
    s.throughput = peak * share * (1.0 + noise * pattern_noise(i));
    s.latency = std::chrono::nanoseconds(static_cast<std::int64_t>(x / s.throughput * 1e9));
    s.concurrency = x;
    return s;
  };
}

// Throughput flat beyond `knee`.
inline Workload plateau(double knee, double noise, double peak = 1000.0) {
  return [=](double x, std::uint64_t i) {
    PerformanceSample s;
    s.throughput = peak * std::min(1.0, x / knee) * (1.0 + noise * pattern_noise(i));
    s.latency = std::chrono::nanoseconds(static_cast<std::int64_t>(x / s.throughput * 1e9));
    s.concurrency = x;
    return s;
  };
}

}  // namespace opusperf::testing_util
