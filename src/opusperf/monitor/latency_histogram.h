// LatencyHistogram: a fixed-size, lock-free, log-linear histogram of uint64 values.
//
// The bucket layout is HdrHistogram's with 2 significant binary digits of 64 sub-buckets: every
// value below 128 has its own bucket; from 128 up, each power of two [2^e, 2^(e+1)) is cut into 64
// equal sub-buckets of width 2^(e-6). A bucket is reported by its midpoint, so any value the
// histogram returns (a percentile) is within 1/128 (< 0.8%) of the recorded value it stands for, at
// every magnitude from 0 to UINT64_MAX. That costs 3776 buckets (about 30 KiB) whatever is
// recorded, so memory is constant and recording never allocates. Values are unit-agnostic; by
// convention the monitor records nanoseconds.
//
//   LatencyHistogram h;
//   h.record(elapsed_ns);                 // from any thread
//   std::uint64_t p99 = h.percentile(0.99);
//   HistogramSnapshot s = h.snapshot();   // a plain value: store it, merge it, export it
//
// Thread-safety: record() and record_n() may run concurrently from many threads with each other and
// with every const method; they are lock-free (relaxed atomic adds on the bucket, the count and the
// sum; a CAS on min/max only when the value is a new extreme). Readers see each field as some value
// it held during the call, not one atomic cut across fields: take a snapshot() for a
// self-consistent view. reset() must not race with record() if exact zeroing matters.
//
// Cost: record() is a handful of instructions to find the bucket plus three uncontended atomic
// adds: about 7 ns on an AMD EPYC core, 3.5x a bare atomic increment (BM_HistogramRecord vs
// BM_AtomicCounterIncrement in latency_histogram_benchmark.cc). percentile() and snapshot() walk
// all 3776 buckets (a few microseconds); call them when reporting, not per event.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace opusperf {

// The inclusive range of values [lower, upper] that one bucket holds.
struct BucketRange {
  std::uint64_t lower;
  std::uint64_t upper;
  friend bool operator==(const BucketRange&, const BucketRange&) = default;
};

// A histogram frozen at one moment: a copyable value type, independent of the histogram it came
// from. Buckets are stored sparsely (only non-empty ones, in increasing value order), so a snapshot
// of a narrow distribution is small. Snapshots of histograms with the same layout (all of them) can
// be merged, e.g. to add up per-thread or per-interval histograms.
//
// Thread-safety: a plain value; const methods may be called from many threads.
class HistogramSnapshot {
 public:
  // One non-empty bucket: its index in the LatencyHistogram layout and how many values it holds.
  struct Bucket {
    std::uint32_t index;
    std::uint64_t count;
    friend bool operator==(const Bucket&, const Bucket&) = default;
  };

  // An empty snapshot (count 0).
  HistogramSnapshot() = default;

  // Returns the number of recorded values.
  std::uint64_t count() const { return count_; }
  // Returns the sum of recorded values, modulo 2^64 (it wraps rather than saturates).
  std::uint64_t sum() const { return sum_; }
  // Returns the smallest recorded value, exactly; 0 when empty.
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  // Returns the largest recorded value, exactly; 0 when empty.
  std::uint64_t max() const { return count_ == 0 ? 0 : max_; }
  // Returns sum / count; 0 when empty.
  double mean() const;
  // Returns the nearest-rank q-quantile: the value of rank ceil(q * count) in sorted order (rank 1
  // for q = 0), as its bucket's midpoint clamped to [min, max], so q = 0 gives min() and q = 1
  // gives max() exactly and any other answer is within 1/128 of the true value. Returns 0 when
  // empty. REQUIRES: 0 <= q <= 1 (out-of-range q is clamped; NaN is treated as 0).
  std::uint64_t percentile(double q) const;
  // Returns how many recorded values are <= v, counting a whole bucket as <= v when its midpoint is
  // (the same rule percentile() uses). Exact whenever v + 1 is a bucket boundary (every v < 128,
  // and each BucketRange::upper), and exact for v < min() and v >= max(). Made for Prometheus'
  // cumulative "le" buckets.
  std::uint64_t count_at_or_below(std::uint64_t v) const;
  // Adds other's values to this snapshot: counts and sums add, min/max combine.
  void merge(const HistogramSnapshot& other);

  // Returns the non-empty buckets in increasing value order. Use LatencyHistogram::bucket_range()
  // for a bucket's values.
  const std::vector<Bucket>& buckets() const { return buckets_; }

 private:
  friend class LatencyHistogram;

  std::vector<Bucket> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t max_ = 0;
};

// See the file comment. Not copyable or movable: its atomics are shared with concurrent writers.
// Hold it by reference or pointer (Registry hands out references that live as long as it does).
class LatencyHistogram {
 public:
  // Values below this have a bucket each (exact).
  static constexpr std::uint64_t kExactBelow = 128;
  // Sub-buckets per power of two at and above kExactBelow; a bucket's width is at most 1/64 of its
  // lower bound, so its midpoint is within 1/128 of any value in it.
  static constexpr unsigned kSubBucketBits = 6;
  static constexpr std::size_t kSubBuckets = std::size_t{1} << kSubBucketBits;
  // 128 exact buckets plus 64 for each power of two from 2^7 to 2^63.
  static constexpr std::size_t kNumBuckets = kExactBelow + (64 - 7) * kSubBuckets;  // 3776

  LatencyHistogram() = default;
  LatencyHistogram(const LatencyHistogram&) = delete;
  LatencyHistogram& operator=(const LatencyHistogram&) = delete;

  // Records one value. Lock-free; safe from many threads.
  void record(std::uint64_t v) noexcept { record_n(v, 1); }

  // Records n copies of v (e.g. a pre-aggregated batch). n = 0 records nothing. Lock-free.
  void record_n(std::uint64_t v, std::uint64_t n) noexcept {
    if (n == 0) return;
    buckets_[bucket_index(v)].fetch_add(n, std::memory_order_relaxed);
    count_.fetch_add(n, std::memory_order_relaxed);
    sum_.fetch_add(v * n, std::memory_order_relaxed);  // wraps modulo 2^64 by design
    // Min/max change rarely once a distribution settles: a plain load keeps the common case free
    // of read-modify-write traffic on their cache line.
    std::uint64_t cur = min_.load(std::memory_order_relaxed);
    while (v < cur && !min_.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
    cur = max_.load(std::memory_order_relaxed);
    while (v > cur && !max_.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
    }
  }

  // Returns the number of recorded values.
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Returns the sum of recorded values, modulo 2^64.
  std::uint64_t sum() const { return sum_.load(std::memory_order_relaxed); }
  // Returns the smallest recorded value, exactly; 0 when empty.
  std::uint64_t min() const;
  // Returns the largest recorded value, exactly; 0 when empty.
  std::uint64_t max() const;
  // Returns sum / count; 0 when empty.
  double mean() const;
  // Returns the nearest-rank q-quantile; see HistogramSnapshot::percentile. Walks every bucket.
  // REQUIRES: 0 <= q <= 1.
  std::uint64_t percentile(double q) const;

  // Zeroes every bucket and statistic. Not atomic: values recorded concurrently may be partly kept.
  void reset();

  // Returns a copy of the current contents. Its count is the sum of the bucket counts read, so its
  // percentiles are self-consistent even while other threads record.
  HistogramSnapshot snapshot() const;

  // Returns the bucket index that holds v: v itself below 128; above, 64 per power of two.
  static constexpr std::size_t bucket_index(std::uint64_t v) noexcept {
    // OR-ing 127 makes every v < 128 look like 2^6..2^7-1, whose shift is 0, so the small range
    // needs no branch: index = v. Above, index = (e - 6) * 64 + (the top 7 bits of v), which runs
    // 128..191 for e = 7 and so on contiguously.
    const unsigned e = 63u - static_cast<unsigned>(std::countl_zero(v | (kExactBelow - 1)));
    const unsigned shift = e - kSubBucketBits;
    return (static_cast<std::size_t>(shift) << kSubBucketBits) +
           static_cast<std::size_t>(v >> shift);
  }

  // Returns the inclusive range of values bucket `index` holds.
  // REQUIRES: index < kNumBuckets.
  static constexpr BucketRange bucket_range(std::size_t index) noexcept {
    if (index < kExactBelow) return {index, index};
    const unsigned shift = static_cast<unsigned>(index >> kSubBucketBits) - 1;  // e - 6
    const std::uint64_t top = (index & (kSubBuckets - 1)) | kSubBuckets;        // 64..127
    const std::uint64_t lower = top << shift;
    return {lower, lower + ((std::uint64_t{1} << shift) - 1)};
  }

  // Returns the value that stands for bucket `index` in percentiles: the midpoint of its range
  // (rounded down), within 1/128 of every value in the bucket.
  // REQUIRES: index < kNumBuckets.
  static constexpr std::uint64_t bucket_value(std::size_t index) noexcept {
    const BucketRange r = bucket_range(index);
    return r.lower + (r.upper - r.lower) / 2;
  }

 private:
  // The hot scalars share one cache line, apart from the bucket array, so a record() touches two
  // lines: its bucket's and this one.
  alignas(64) std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_{0};
  std::atomic<std::uint64_t> min_{std::numeric_limits<std::uint64_t>::max()};
  std::atomic<std::uint64_t> max_{0};
  alignas(64) std::array<std::atomic<std::uint64_t>, kNumBuckets> buckets_{};
};

}  // namespace opusperf
