#include "opusperf/video/highlight_selector.h"

#include <algorithm>
#include <cmath>

namespace opusperf::video {
namespace {

class WindowScorer {
 public:
  WindowScorer(const Analysis& a, const std::vector<std::size_t>& cuts) : a_(a) {
    const std::size_t n = a.frames.size();
    std::vector<float> motion(n);
    for (std::size_t i = 0; i < n; ++i)
      motion[i] = a.frames[i].motion;
    std::vector<float> sorted = motion;
    const std::size_t p95 = n ? (n - 1) * 95 / 100 : 0;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(p95),
                     sorted.end());
    const double motion_scale = n && sorted[p95] > 0 ? sorted[p95] : 1.0;
    float lo = 0, hi = 0;
    bool any_audio = false;
    for (float db : a.loudness_db) {
      if (db <= Analysis::kSilenceDb) continue;
      lo = any_audio ? std::min(lo, db) : db;
      hi = any_audio ? std::max(hi, db) : db;
      any_audio = true;
    }
    value_.assign(n + 1, 0);
    cuts_.assign(n + 1, 0);
    std::vector<char> is_cut(n, 0);
    for (std::size_t c : cuts) {
      if (c < n) is_cut[c] = 1;
    }
    for (std::size_t i = 0; i < n; ++i) {
      double loud = 0;
      if (any_audio && hi > lo) {
        const float db = a.loudness_at(a.frames[i].time_s);
        loud = db <= Analysis::kSilenceDb ? 0 : (db - lo) / (hi - lo);
      }
      const double m = std::min(1.0, motion[i] / motion_scale);
      value_[i + 1] = value_[i] + kLoudnessWeight * loud + kMotionWeight * m;
      cuts_[i + 1] = cuts_[i] + is_cut[i];
    }
  }

  double score(std::size_t first, std::size_t end) const {
    const double len_frames = static_cast<double>(end - first);
    const double seconds = len_frames / a_.info.fps;
    // A cut at the first frame counts: a clip snapped onto a cut keeps the credit for it.
    const double inside = cuts_[end] - cuts_[first];
    const double density = std::min(1.0, inside / std::max(seconds, 1e-9) / kCutsPerSecondForFull);
    return (value_[end] - value_[first]) / len_frames + kCutWeight * density;
  }

 private:
  const Analysis& a_;
  std::vector<double> value_;  // prefix sums of the per-frame loudness + motion terms
  std::vector<double> cuts_;   // prefix counts of cuts
};

}  // namespace

std::vector<Highlight> select_highlights(const Analysis& a, const std::vector<std::size_t>& cuts,
                                         const HighlightOptions& o) {
  const std::size_t n = a.frames.size();
  std::vector<Highlight> out;
  if (n == 0) return out;
  const double fps = a.info.fps;
  const auto time_of = [&](std::size_t i) {
    return i < n ? a.frames[i].time_s : a.frames[n - 1].time_s + 1.0 / fps;
  };
  WindowScorer scorer(a, cuts);
  const auto frames_for = [&](double s) {
    return std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(s * fps)));
  };
  const std::size_t min_f = frames_for(o.min_len_s);
  const std::size_t max_f = std::max(min_f, frames_for(o.max_len_s));
  if (n <= min_f) {
    out.push_back({0, n, time_of(0), time_of(n), scorer.score(0, n)});
    return out;
  }
  const std::size_t snap_f = static_cast<std::size_t>(std::llround(o.snap_s * fps));
  // The nearest cut to frame i within snap_f, or i.
  const auto snap = [&](std::size_t i) {
    std::size_t best = i;
    std::size_t best_d = snap_f + 1;
    for (std::size_t c : cuts) {
      const std::size_t d = c > i ? c - i : i - c;
      if (d < best_d) {
        best = c;
        best_d = d;
      }
    }
    return best;
  };
  std::vector<std::size_t> starts;
  const std::size_t step = std::max<std::size_t>(1, static_cast<std::size_t>(fps / 2));
  for (std::size_t s = 0; s + min_f <= n; s += step)
    starts.push_back(s);
  for (std::size_t c : cuts) {
    if (c + min_f <= n) starts.push_back(c);
  }
  std::vector<Highlight> candidates;
  for (std::size_t s0 : starts) {
    for (std::size_t len : {min_f, (min_f + max_f) / 2, max_f}) {
      // Start on a nearby cut (keeping the length), then end on one if the length stays legal.
      std::size_t s = snap(s0);
      if (s + min_f > n) s = s0;
      std::size_t e = std::min(n, s + len);
      const std::size_t se = snap(e);
      if (se > s && se - s >= min_f && se - s <= max_f) e = se;
      if (e - s < min_f) continue;
      candidates.push_back({s, e, time_of(s), time_of(e), scorer.score(s, e)});
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Highlight& x, const Highlight& y) { return x.score > y.score; });
  for (const Highlight& c : candidates) {
    if (static_cast<int>(out.size()) >= o.clips) break;
    const bool overlaps = std::any_of(out.begin(), out.end(), [&](const Highlight& t) {
      return c.first_frame < t.end_frame && t.first_frame < c.end_frame;
    });
    if (!overlaps) out.push_back(c);
  }
  return out;
}

}  // namespace opusperf::video
