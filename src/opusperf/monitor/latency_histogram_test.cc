#include "opusperf/monitor/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace opusperf {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// The nearest-rank quantile of sorted values: rank ceil(q * n), rank 1 for q = 0.
std::uint64_t exact_percentile(const std::vector<std::uint64_t>& sorted, double q) {
  const auto n = sorted.size();
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::clamp<std::size_t>(rank, 1, n);
  return sorted[rank - 1];
}

double relative_error(std::uint64_t got, std::uint64_t want) {
  if (want == 0) return got == 0 ? 0.0 : 1.0;
  return std::abs(static_cast<double>(got) - static_cast<double>(want)) / static_cast<double>(want);
}

// Records `values` and checks count/sum/min/max exactly and percentiles within 1/128.
void check_against_exact(std::vector<std::uint64_t> values, const std::string& name) {
  SCOPED_TRACE(name);
  LatencyHistogram h;
  std::uint64_t sum = 0;
  for (std::uint64_t v : values) {
    h.record(v);
    sum += v;
  }
  std::sort(values.begin(), values.end());
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.sum(), sum);
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(sum) / static_cast<double>(values.size()));
  const HistogramSnapshot s = h.snapshot();
  for (double q : {0.0, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    const std::uint64_t want = exact_percentile(values, q);
    const std::uint64_t got = h.percentile(q);
    EXPECT_LE(relative_error(got, want), 1.0 / 128)
        << "q=" << q << " got " << got << " want " << want;
    EXPECT_EQ(s.percentile(q), got) << "q=" << q;
  }
  EXPECT_EQ(h.percentile(0.0), values.front());
  EXPECT_EQ(h.percentile(1.0), values.back());
}

TEST(LatencyHistogramTest, EmptyReadsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(0.5), 0u);
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.count(), 0u);
  EXPECT_TRUE(s.buckets().empty());
  EXPECT_EQ(s.percentile(0.99), 0u);
  EXPECT_EQ(s.count_at_or_below(kMax), 0u);
}

TEST(LatencyHistogramTest, UniformWideRange) {
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::uint64_t> dist(0, 10'000'000'000ULL);
  std::vector<std::uint64_t> v(1'000'000);
  for (auto& x : v)
    x = dist(rng);
  check_against_exact(std::move(v), "uniform 0..1e10");
}

TEST(LatencyHistogramTest, LogNormal) {
  std::mt19937_64 rng(2);
  std::lognormal_distribution<double> dist(std::log(200'000.0), 1.5);  // ~200 us median, long tail
  std::vector<std::uint64_t> v(1'000'000);
  for (auto& x : v)
    x = static_cast<std::uint64_t>(dist(rng));
  check_against_exact(std::move(v), "log-normal");
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::uint64_t> dist(0, 127);
  std::vector<std::uint64_t> v(1'000'000);
  for (auto& x : v)
    x = dist(rng);
  LatencyHistogram h;
  for (auto x : v)
    h.record(x);
  std::sort(v.begin(), v.end());
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    EXPECT_EQ(h.percentile(q), exact_percentile(v, q)) << "q=" << q;
  }
  check_against_exact(std::move(v), "small 0..127");
}

TEST(LatencyHistogramTest, MixedSmallAndHugeValues) {
  std::mt19937_64 rng(4);
  std::uniform_int_distribution<int> bits(0, 63);
  std::vector<std::uint64_t> v(1'000'000);
  for (auto& x : v)
    x = rng() >> bits(rng);  // every magnitude from 0 to 2^64 - 1
  check_against_exact(std::move(v), "every magnitude");
}

TEST(LatencyHistogramTest, RelativeErrorBoundHoldsForEveryBucket) {
  for (std::size_t i = 0; i < LatencyHistogram::kNumBuckets; ++i) {
    const BucketRange r = LatencyHistogram::bucket_range(i);
    const std::uint64_t mid = LatencyHistogram::bucket_value(i);
    ASSERT_LE(r.lower, r.upper);
    ASSERT_LE(relative_error(mid, r.lower), 1.0 / 128) << i;
    ASSERT_LE(relative_error(mid, r.upper), 1.0 / 128) << i;
    ASSERT_EQ(LatencyHistogram::bucket_index(r.lower), i);
    ASSERT_EQ(LatencyHistogram::bucket_index(r.upper), i);
    if (i + 1 < LatencyHistogram::kNumBuckets) {
      ASSERT_EQ(LatencyHistogram::bucket_range(i + 1).lower, r.upper + 1) << "gap after " << i;
    }
  }
  EXPECT_EQ(LatencyHistogram::bucket_range(0).lower, 0u);
  EXPECT_EQ(LatencyHistogram::bucket_range(LatencyHistogram::kNumBuckets - 1).upper, kMax);
}

TEST(LatencyHistogramTest, BucketBoundaries) {
  using H = LatencyHistogram;
  EXPECT_EQ(H::bucket_index(0), 0u);
  EXPECT_EQ(H::bucket_index(1), 1u);
  EXPECT_EQ(H::bucket_index(127), 127u);
  EXPECT_EQ(H::bucket_index(128), 128u);
  EXPECT_EQ(H::bucket_index(129), 128u);  // [128, 129] is 2 wide
  EXPECT_EQ(H::bucket_index(130), 129u);
  EXPECT_EQ(H::bucket_index(255), 191u);
  EXPECT_EQ(H::bucket_index(256), 192u);
  EXPECT_EQ(H::bucket_index(kMax), H::kNumBuckets - 1);
  EXPECT_EQ(H::bucket_range(0), (BucketRange{0, 0}));
  EXPECT_EQ(H::bucket_range(127), (BucketRange{127, 127}));
  EXPECT_EQ(H::bucket_range(128), (BucketRange{128, 129}));
  EXPECT_EQ(H::bucket_range(H::kNumBuckets - 1), (BucketRange{127ULL << 57, kMax}));
  EXPECT_EQ(H::bucket_value(128), 128u);

  LatencyHistogram h;
  for (std::uint64_t v : std::initializer_list<std::uint64_t>{0, 1, 127, 128, 129, kMax}) {
    h.record(v);
  }
  EXPECT_EQ(h.count(), 6u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), kMax);
  EXPECT_EQ(h.sum(), 0ULL + 1 + 127 + 128 + 129 + kMax);  // wraps modulo 2^64, as documented
  // Ranks ceil(q * 6): 1, 2, 3, 4, 5, 6.
  EXPECT_EQ(h.percentile(0.0), 0u);
  EXPECT_EQ(h.percentile(0.1), 0u);
  EXPECT_EQ(h.percentile(0.3), 1u);
  EXPECT_EQ(h.percentile(0.45), 127u);
  EXPECT_EQ(h.percentile(0.6), 128u);
  EXPECT_EQ(h.percentile(0.75), 128u);  // 129 shares 128's bucket: within 1/128
  EXPECT_EQ(h.percentile(1.0), kMax);
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.buckets().size(), 5u);
  EXPECT_EQ(s.count_at_or_below(0), 1u);
  EXPECT_EQ(s.count_at_or_below(127), 3u);
  EXPECT_EQ(s.count_at_or_below(129), 5u);
  EXPECT_EQ(s.count_at_or_below(kMax >> 1), 5u);
  EXPECT_EQ(s.count_at_or_below(kMax), 6u);
}

TEST(LatencyHistogramTest, OnlyMaxValueIsNotEmpty) {
  LatencyHistogram h;
  h.record(kMax);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.min(), kMax);
  EXPECT_EQ(h.max(), kMax);
  EXPECT_EQ(h.percentile(0.5), kMax);
  EXPECT_EQ(h.snapshot().min(), kMax);
}

TEST(LatencyHistogramTest, RecordN) {
  LatencyHistogram h;
  h.record_n(1000, 0);  // records nothing, leaves min/max alone
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  h.record_n(1000, 99);
  h.record_n(5'000'000, 1);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.sum(), 99u * 1000 + 5'000'000);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_EQ(h.max(), 5'000'000u);
  EXPECT_LE(relative_error(h.percentile(0.99), 1000), 1.0 / 128);
  EXPECT_EQ(h.percentile(0.999), 5'000'000u);
}

TEST(LatencyHistogramTest, PercentileClampsOutOfRangeQ) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 100; ++v)
    h.record(v);
  EXPECT_EQ(h.percentile(-1.0), 1u);
  EXPECT_EQ(h.percentile(2.0), 100u);
  EXPECT_EQ(h.percentile(std::nan("")), 1u);
  EXPECT_EQ(h.percentile(0.5), 50u);
  EXPECT_EQ(h.percentile(0.501), 51u);
}

TEST(LatencyHistogramTest, ConcurrentRecordingIsExact) {
  constexpr int kThreads = 4;
  constexpr std::uint64_t kPerThread = 250'000;
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&h, t] {
      for (std::uint64_t i = 0; i < kPerThread; ++i)
        h.record(i * kThreads + t);
    });
  }
  for (auto& th : threads)
    th.join();
  const std::uint64_t n = kThreads * kPerThread;  // values 0 .. n-1, each once
  EXPECT_EQ(h.count(), n);
  EXPECT_EQ(h.sum(), n * (n - 1) / 2);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), n - 1);
  const HistogramSnapshot s = h.snapshot();
  EXPECT_EQ(s.count(), n);
  EXPECT_LE(relative_error(s.percentile(0.5), n / 2 - 1), 1.0 / 128);
}

TEST(LatencyHistogramTest, SnapshotWhileRecordingIsSelfConsistent) {
  LatencyHistogram h;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::uint64_t v = 1;
    while (!stop.load(std::memory_order_relaxed))
      h.record((v = v * 6364136223846793005ULL + 1) >> 20);
  });
  for (int i = 0; i < 200; ++i) {
    const HistogramSnapshot s = h.snapshot();
    std::uint64_t total = 0;
    for (const auto& b : s.buckets())
      total += b.count;
    ASSERT_EQ(total, s.count());
    if (s.count() > 0) {
      ASSERT_LE(s.min(), s.percentile(0.5));
      ASSERT_LE(s.percentile(0.5), s.max());
      ASSERT_EQ(s.count_at_or_below(s.max()), s.count());
    }
  }
  stop = true;
  writer.join();
}

TEST(LatencyHistogramTest, SnapshotMerge) {
  LatencyHistogram a, b, all;
  std::mt19937_64 rng(5);
  std::lognormal_distribution<double> dist(10.0, 2.0);
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  HistogramSnapshot merged = a.snapshot();
  merged.merge(b.snapshot());
  const HistogramSnapshot want = all.snapshot();
  EXPECT_EQ(merged.count(), want.count());
  EXPECT_EQ(merged.sum(), want.sum());
  EXPECT_EQ(merged.min(), want.min());
  EXPECT_EQ(merged.max(), want.max());
  EXPECT_EQ(merged.buckets(), want.buckets());
  for (double q : {0.0, 0.5, 0.9, 0.99, 1.0})
    EXPECT_EQ(merged.percentile(q), want.percentile(q));

  HistogramSnapshot empty;
  empty.merge(want);  // into empty
  EXPECT_EQ(empty.buckets(), want.buckets());
  EXPECT_EQ(empty.min(), want.min());
  merged.merge(HistogramSnapshot{});  // empty into non-empty changes nothing
  EXPECT_EQ(merged.count(), want.count());
  EXPECT_EQ(merged.min(), want.min());
}

TEST(LatencyHistogramTest, SnapshotIsIndependentCopy) {
  LatencyHistogram h;
  h.record(10);
  const HistogramSnapshot s = h.snapshot();
  HistogramSnapshot copy = s;
  h.record(1'000'000);
  EXPECT_EQ(s.count(), 1u);
  EXPECT_EQ(copy.max(), 10u);
  EXPECT_EQ(s.mean(), 10.0);
}

TEST(LatencyHistogramTest, Reset) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < 1000; ++v)
    h.record(v * 1000);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_TRUE(h.snapshot().buckets().empty());
  h.record(42);
  EXPECT_EQ(h.min(), 42u);
  EXPECT_EQ(h.max(), 42u);
  EXPECT_EQ(h.percentile(0.5), 42u);
}

TEST(LatencyHistogramTest, CountAtOrBelowIsExactAtBucketUpperBounds) {
  std::mt19937_64 rng(6);
  std::lognormal_distribution<double> dist(12.0, 1.0);
  std::vector<std::uint64_t> v(100'000);
  LatencyHistogram h;
  for (auto& x : v)
    h.record(x = static_cast<std::uint64_t>(dist(rng)));
  std::sort(v.begin(), v.end());
  const HistogramSnapshot s = h.snapshot();
  for (const auto& b : s.buckets()) {
    const std::uint64_t le = LatencyHistogram::bucket_range(b.index).upper;
    const auto want =
        static_cast<std::uint64_t>(std::upper_bound(v.begin(), v.end(), le) - v.begin());
    ASSERT_EQ(s.count_at_or_below(le), want) << "le=" << le;
  }
  EXPECT_EQ(s.count_at_or_below(v.front() - 1), 0u);
  EXPECT_EQ(s.count_at_or_below(v.back()), v.size());
}

}  // namespace
}  // namespace opusperf
