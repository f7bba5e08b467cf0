// LeakDetector: finds series (process RSS, tracked allocation totals) that keep growing, with a
// robust trend fit over sliding windows at several time scales.
//
//   LeakDetector leaks(clock);                         // a ManualClock in tests
//   if (auto f = leaks.observe("decoder.frames", bytes))   // once a tick, per series
//     spdlog::warn("leak: {} grows {} B/s", f->series, f->rate_bytes_per_s);
//
// How a leak is told from a busy but healthy workload. Observations are averaged into buckets
// (`resolution` long). At scale k (k = 0 .. scales-1) buckets and windows are scale_factor^k times
// longer; the detector looks at the last `windows` consecutive windows of each scale (the span).
// A series is flagged when, at some scale,
//   - every window rises on its own: Theil–Sen slope >= min_rate and Mann–Kendall z >= min_window_z
//     (so a one-off step, a burst or a sawtooth whose drops fall inside the span is not growth);
//   - the whole span rises as a line: slope >= min_rate, z >= min_span_z and robust fit >= min_fit
//     (so noise around a level and periodic spikes are not growth).
// With the defaults (8 s windows, 3 of them, 1 s buckets) a steady leak is flagged about 24 s after
// it starts; scales 1 and 2 (96 s and 384 s spans) catch slower leaks hidden in noisier series.
// Growth that lasts longer than a span is, by this definition, a leak: a workload that legitimately
// grows for minutes (a cache warming up) is flagged until it levels off. A flagged series is
// resolved when its span at the scale that flagged it no longer rises at min_rate.
//
// Thread-safety: every method may be called from many threads (one mutex).
// Cost: observe() refits every scale of its series: about 3 x 400 pairwise slopes, ~20 µs.
// Memory: about 80 buckets a series.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/core/clock.h"

namespace opusperf {

struct LeakDetectorOptions {
  // Length of one window at the finest scale; 1 s .. 24 h, a whole number of `resolution`s.
  std::chrono::nanoseconds window = std::chrono::seconds(8);
  // Consecutive windows that must each rise; 2 .. 16. Span = windows x window.
  int windows = 3;
  // Time scales; 1 .. 6. Each scale's buckets and windows are scale_factor times the previous.
  int scales = 3;
  int scale_factor = 4;  // 2 .. 16
  // Observations are averaged into buckets this long at the finest scale; 10 ms .. window / 3.
  std::chrono::nanoseconds resolution = std::chrono::seconds(1);
  // Slowest growth that counts, bytes per second; > 0. Default 64 KiB/s (5.4 GiB a day).
  double min_rate_bytes_per_s = 64.0 * 1024;
  // Mann–Kendall z each window must reach (1.65: significant at 5% one-sided).
  double min_window_z = 1.65;
  // Mann–Kendall z and robust fit the whole span must reach (3.0: about 0.1% one-sided).
  double min_span_z = 3.0;
  double min_fit = 0.8;  // 0 .. 1
};

struct LeakFinding {
  std::string series;
  double rate_bytes_per_s = 0;       // Theil–Sen slope over the span (updated while active)
  double fit = 0;                    // robust fit of that span
  double trend_z = 0;                // Mann–Kendall z of that span
  std::chrono::nanoseconds span{0};  // windows x window at the scale that found it
  Clock::time_point growth_since{};  // start of that span
  Clock::time_point detected_at{};
  double value_at_detection = 0;
  std::optional<Clock::time_point> resolved_at;  // set once growth stopped
};

class LeakDetector {
 public:
  static constexpr std::size_t kMaxFindings = 256;

  // REQUIRES: options as documented (throws std::invalid_argument otherwise); clock outlives this.
  explicit LeakDetector(Clock& clock, LeakDetectorOptions options = {});
  LeakDetector(const LeakDetector&) = delete;
  LeakDetector& operator=(const LeakDetector&) = delete;

  // Records `value` of `series` at clock.now() and re-evaluates that series. Returns the finding
  // when this observation flags a series that was not flagged; nullopt otherwise.
  std::optional<LeakFinding> observe(std::string_view series, double value);

  // Returns the findings not yet resolved, in detection order.
  std::vector<LeakFinding> active() const;
  // Returns every finding, resolved ones included, in detection order. Resolved findings are
  // forgotten once kMaxFindings have accumulated.
  std::vector<LeakFinding> findings() const;
  // Returns whether `series` is flagged now.
  bool is_leaking(std::string_view series) const;
  const LeakDetectorOptions& options() const { return options_; }

 private:
  struct Bucket {
    std::int64_t index = 0;
    double sum_t = 0;  // seconds since origin_
    double sum_y = 0;
    std::uint32_t n = 0;
  };
  struct Series {
    std::vector<std::vector<Bucket>> scales;  // per scale, oldest first
    std::optional<std::size_t> finding;       // index into findings_ while active
    int finding_scale = 0;
  };
  struct Verdict {
    bool evaluable = false;  // the series covers the whole span with enough points
    bool leaking = false;
    double slope = 0, fit = 0, z = 0;
  };

  // Returns the verdict over the span ending with bucket `current` of one scale's buckets.
  Verdict evaluate(const std::vector<Bucket>& buckets, std::int64_t current) const;
  // Forgets resolved findings (keeping the active ones), so findings_ stays bounded.
  void drop_resolved_findings();
  double bucket_seconds(int scale) const;
  std::int64_t window_buckets() const;

  Clock& clock_;
  const LeakDetectorOptions options_;
  const Clock::time_point origin_;
  mutable std::mutex mu_;
  std::map<std::string, Series, std::less<>> series_;  // guarded by mu_
  std::vector<LeakFinding> findings_;                  // guarded by mu_
};

}  // namespace opusperf
