#include "opusperf/monitor/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace opusperf {

namespace {

// The rank (1-based) that the nearest-rank method picks for quantile q of `count` values.
std::uint64_t nearest_rank(double q, std::uint64_t count) {
  if (!(q > 0.0)) return 1;  // q = 0 and NaN: the smallest value
  if (q >= 1.0) return count;
  const double r = std::ceil(q * static_cast<double>(count));
  if (r < 1.0) return 1;
  if (r >= static_cast<double>(count)) return count;
  return static_cast<std::uint64_t>(r);
}

}  // namespace

double HistogramSnapshot::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t HistogramSnapshot::percentile(double q) const {
  if (count_ == 0) return 0;
  const std::uint64_t rank = nearest_rank(q, count_);
  // The extremes are tracked exactly; answering them from the buckets would add needless error.
  if (rank == 1) return min_;
  if (rank == count_) return max_;
  std::uint64_t seen = 0;
  for (const Bucket& b : buckets_) {
    seen += b.count;
    if (seen >= rank) return std::clamp(LatencyHistogram::bucket_value(b.index), min_, max_);
  }
  return max_;  // unreachable while count_ equals the bucket total, which snapshot() ensures
}

std::uint64_t HistogramSnapshot::count_at_or_below(std::uint64_t v) const {
  if (count_ == 0 || v < min_) return 0;
  if (v >= max_) return count_;
  std::uint64_t n = 0;
  for (const Bucket& b : buckets_) {
    // Clamped like percentile(), so the bucket holding min (or max) counts exactly as its extreme.
    if (std::clamp(LatencyHistogram::bucket_value(b.index), min_, max_) > v) break;
    n += b.count;
  }
  return n;
}

void HistogramSnapshot::merge(const HistogramSnapshot& other) {
  if (other.count_ == 0) return;
  std::vector<Bucket> merged;
  merged.reserve(buckets_.size() + other.buckets_.size());
  auto a = buckets_.begin();
  auto b = other.buckets_.begin();
  while (a != buckets_.end() || b != other.buckets_.end()) {
    if (b == other.buckets_.end() || (a != buckets_.end() && a->index < b->index)) {
      merged.push_back(*a++);
    } else if (a == buckets_.end() || b->index < a->index) {
      merged.push_back(*b++);
    } else {
      merged.push_back({a->index, a->count + b->count});
      ++a;
      ++b;
    }
  }
  buckets_ = std::move(merged);
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t LatencyHistogram::min() const {
  // min_ starts at UINT64_MAX; a histogram that has recorded only UINT64_MAX reads the same, so the
  // count decides what "empty" is.
  return count() == 0 ? 0 : min_.load(std::memory_order_relaxed);
}

std::uint64_t LatencyHistogram::max() const {
  return max_.load(std::memory_order_relaxed);
}

double LatencyHistogram::mean() const {
  const std::uint64_t n = count();
  return n == 0 ? 0.0 : static_cast<double>(sum()) / static_cast<double>(n);
}

std::uint64_t LatencyHistogram::percentile(double q) const {
  return snapshot().percentile(q);
}

void LatencyHistogram::reset() {
  for (auto& b : buckets_)
    b.store(0, std::memory_order_relaxed);
  count_.store(0, std::memory_order_relaxed);
  sum_.store(0, std::memory_order_relaxed);
  min_.store(std::numeric_limits<std::uint64_t>::max(), std::memory_order_relaxed);
  max_.store(0, std::memory_order_relaxed);
}

HistogramSnapshot LatencyHistogram::snapshot() const {
  HistogramSnapshot s;
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < kNumBuckets; ++i) {
    const std::uint64_t c = buckets_[i].load(std::memory_order_relaxed);
    if (c == 0) continue;
    s.buckets_.push_back({static_cast<std::uint32_t>(i), c});
    total += c;
  }
  s.count_ = total;
  s.sum_ = sum_.load(std::memory_order_relaxed);
  if (total == 0) return s;
  // The true min lies in the first non-empty bucket and the true max in the last. A racing
  // record() may have bumped its bucket but not yet min/max (or the reverse), so clamp each into
  // its bucket: exact when quiescent, and never outside the values actually counted.
  const BucketRange first = bucket_range(s.buckets_.front().index);
  const BucketRange last = bucket_range(s.buckets_.back().index);
  s.min_ = std::clamp(min_.load(std::memory_order_relaxed), first.lower, first.upper);
  s.max_ = std::clamp(max_.load(std::memory_order_relaxed), last.lower, last.upper);
  return s;
}

}  // namespace opusperf
