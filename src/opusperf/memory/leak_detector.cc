#include "opusperf/memory/leak_detector.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "opusperf/memory/trend.h"

namespace opusperf {
namespace {

using Seconds = std::chrono::duration<double>;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("LeakDetectorOptions: " + what);
}

}  // namespace

LeakDetector::LeakDetector(Clock& clock, LeakDetectorOptions options)
    : clock_(clock), options_(options), origin_(clock.now()) {
  using std::chrono::hours;
  using std::chrono::milliseconds;
  using std::chrono::seconds;
  const auto& o = options_;
  require(o.window >= seconds(1) && o.window <= hours(24), "window must be 1 s .. 24 h");
  require(o.resolution >= milliseconds(10) && o.resolution * 3 <= o.window,
          "resolution must be 10 ms .. window / 3");
  require(o.window % o.resolution == std::chrono::nanoseconds(0),
          "window must be a whole number of resolutions");
  require(o.windows >= 2 && o.windows <= 16, "windows must be 2 .. 16");
  require(o.scales >= 1 && o.scales <= 6, "scales must be 1 .. 6");
  require(o.scale_factor >= 2 && o.scale_factor <= 16, "scale_factor must be 2 .. 16");
  require(o.min_rate_bytes_per_s > 0, "min_rate_bytes_per_s must be > 0");
  require(o.min_fit >= 0 && o.min_fit <= 1, "min_fit must be 0 .. 1");
}

double LeakDetector::bucket_seconds(int scale) const {
  return Seconds(options_.resolution).count() * std::pow(options_.scale_factor, scale);
}

std::int64_t LeakDetector::window_buckets() const {
  return options_.window / options_.resolution;
}

LeakDetector::Verdict LeakDetector::evaluate(const std::vector<Bucket>& buckets,
                                             std::int64_t current) const {
  Verdict v;
  const std::int64_t wb = window_buckets();
  const std::int64_t first = current - wb * options_.windows + 1;
  if (buckets.empty() || buckets.front().index > first) return v;  // history shorter than span
  const std::size_t min_points = static_cast<std::size_t>(std::max<std::int64_t>(3, wb / 2));
  std::vector<TrendPoint> span;
  std::vector<std::vector<TrendPoint>> windows(static_cast<std::size_t>(options_.windows));
  for (const Bucket& b : buckets) {
    if (b.index < first) continue;
    const TrendPoint p{b.sum_t / b.n, b.sum_y / b.n};
    span.push_back(p);
    windows[static_cast<std::size_t>((b.index - first) / wb)].push_back(p);
  }
  for (const auto& w : windows) {
    if (w.size() < min_points) return v;
  }
  v.evaluable = true;
  const TrendFit whole = fit_trend(span);
  v.slope = whole.slope;
  v.fit = whole.fit;
  v.z = whole.mk_z;
  const double min_rate = options_.min_rate_bytes_per_s;
  if (whole.slope < min_rate || whole.mk_z < options_.min_span_z || whole.fit < options_.min_fit) {
    return v;
  }
  for (const auto& w : windows) {
    const TrendFit f = fit_trend(w);
    if (f.slope < min_rate || f.mk_z < options_.min_window_z) return v;
  }
  v.leaking = true;
  return v;
}

std::optional<LeakFinding> LeakDetector::observe(std::string_view name, double value) {
  const Clock::time_point now = clock_.now();
  const double t = Seconds(now - origin_).count();
  const std::int64_t span_buckets = window_buckets() * options_.windows;
  std::lock_guard lock(mu_);
  auto it = series_.find(name);
  if (it == series_.end()) {
    it = series_.emplace(std::string(name), Series{}).first;
    it->second.scales.resize(static_cast<std::size_t>(options_.scales));
  }
  Series& s = it->second;
  std::vector<Verdict> verdicts;
  for (int k = 0; k < options_.scales; ++k) {
    auto& buckets = s.scales[static_cast<std::size_t>(k)];
    const auto index = static_cast<std::int64_t>(std::floor(t / bucket_seconds(k)));
    if (!buckets.empty() && buckets.back().index == index) {
      Bucket& b = buckets.back();
      b.sum_t += t;
      b.sum_y += value;
      ++b.n;
    } else {
      buckets.push_back({index, t, value, 1});
    }
    // Keep one bucket older than the span, so coverage of the whole span can be told.
    std::size_t drop = 0;
    while (drop < buckets.size() && buckets[drop].index < index - span_buckets)
      ++drop;
    buckets.erase(buckets.begin(), buckets.begin() + static_cast<std::ptrdiff_t>(drop));
    verdicts.push_back(evaluate(buckets, index));
  }

  const auto span_of = [&](int k) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(options_.window *
                                                                std::pow(options_.scale_factor, k));
  };
  if (s.finding) {
    LeakFinding& f = findings_[*s.finding];
    const Verdict& v = verdicts[static_cast<std::size_t>(s.finding_scale)];
    if (!v.evaluable) return std::nullopt;
    if (v.slope < options_.min_rate_bytes_per_s) {
      f.resolved_at = now;
      s.finding.reset();
    } else {
      f.rate_bytes_per_s = v.slope;
      f.fit = v.fit;
      f.trend_z = v.z;
    }
    return std::nullopt;
  }
  for (int k = 0; k < options_.scales; ++k) {
    const Verdict& v = verdicts[static_cast<std::size_t>(k)];
    if (!v.leaking) continue;
    LeakFinding f;
    f.series = std::string(name);
    f.rate_bytes_per_s = v.slope;
    f.fit = v.fit;
    f.trend_z = v.z;
    f.span = span_of(k) * options_.windows;
    f.growth_since = now - f.span;
    f.detected_at = now;
    f.value_at_detection = value;
    s.finding_scale = k;
    if (findings_.size() >= kMaxFindings) drop_resolved_findings();
    s.finding = findings_.size();
    findings_.push_back(f);
    return f;
  }
  return std::nullopt;
}

void LeakDetector::drop_resolved_findings() {
  std::vector<std::size_t> new_index(findings_.size(), 0);
  std::vector<LeakFinding> kept;
  for (std::size_t i = 0; i < findings_.size(); ++i) {
    if (findings_[i].resolved_at) continue;
    new_index[i] = kept.size();
    kept.push_back(std::move(findings_[i]));
  }
  for (auto& [name, s] : series_) {
    if (s.finding) s.finding = new_index[*s.finding];
  }
  findings_ = std::move(kept);
}

std::vector<LeakFinding> LeakDetector::active() const {
  std::vector<LeakFinding> out;
  std::lock_guard lock(mu_);
  for (const LeakFinding& f : findings_) {
    if (!f.resolved_at) out.push_back(f);
  }
  return out;
}

std::vector<LeakFinding> LeakDetector::findings() const {
  std::lock_guard lock(mu_);
  return findings_;
}

bool LeakDetector::is_leaking(std::string_view name) const {
  std::lock_guard lock(mu_);
  const auto it = series_.find(name);
  return it != series_.end() && it->second.finding.has_value();
}

}  // namespace opusperf
