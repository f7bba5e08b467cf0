#include "opusperf/monitor/metric_registry.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace opusperf {
namespace {

TEST(MetricRegistryTest, CounterAndGauge) {
  Counter c;
  EXPECT_EQ(c.value(), 0u);
  c.inc();
  c.inc(41);
  EXPECT_EQ(c.value(), 42u);

  Gauge g;
  EXPECT_EQ(g.value(), 0.0);
  g.set(2.5);
  g.add(-1.0);
  EXPECT_EQ(g.value(), 1.5);
}

TEST(MetricRegistryTest, SameNameKindAndLabelsReturnsSameFamily) {
  Registry r;
  auto& a = r.counter("requests_total", "Requests.", {"op"});
  auto& b = r.counter("requests_total", "Other help is ignored.", {"op"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(b.help(), "Requests.");
  auto& h1 = r.histogram("latency_ns", "Latency.");
  auto& h2 = r.histogram("latency_ns", "Latency.");
  EXPECT_EQ(&h1, &h2);
  auto& g1 = r.gauge("depth", "Depth.", {"queue", "shard"});
  EXPECT_EQ(&g1, &r.gauge("depth", "Depth.", {"queue", "shard"}));
  EXPECT_EQ(g1.name(), "depth");
  EXPECT_EQ(g1.label_names(), (std::vector<std::string>{"queue", "shard"}));
}

TEST(MetricRegistryTest, KindOrLabelMismatchThrows) {
  Registry r;
  r.counter("x_total", "X.", {"op"});
  EXPECT_THROW(r.gauge("x_total", "X."), std::invalid_argument);
  EXPECT_THROW(r.histogram("x_total", "X.", {"op"}), std::invalid_argument);
  EXPECT_THROW(r.counter("x_total", "X."), std::invalid_argument);
  EXPECT_THROW(r.counter("x_total", "X.", {"status"}), std::invalid_argument);
  EXPECT_THROW(r.counter("x_total", "X.", {"op", "status"}), std::invalid_argument);
  try {
    r.gauge("x_total", "X.");
    FAIL() << "expected invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("counter"), std::string::npos) << e.what();
  }
}

TEST(MetricRegistryTest, BadNamesThrow) {
  Registry r;
  for (const char* bad : {"", "1abc", "a-b", "a b", "é", "a.b"}) {
    EXPECT_THROW(r.counter(bad, "h"), std::invalid_argument) << "'" << bad << "'";
  }
  for (const char* good : {"a", "_a", ":a", "a:b_c9", "Z"}) {
    EXPECT_NO_THROW(r.counter(good, "h")) << good;
  }
  for (const char* bad : {"", "1a", "a:b", "__reserved", "a-b"}) {
    EXPECT_THROW(r.counter("ok_total", "h", {bad}), std::invalid_argument) << "'" << bad << "'";
  }
  EXPECT_THROW(r.counter("dup_total", "h", {"a", "a"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("hist", "h", {"le"}), std::invalid_argument);
  EXPECT_NO_THROW(
      r.counter("le_ok_total", "h", {"le", "_x", "a1"}));  // "le" is only reserved for histograms
  EXPECT_TRUE(is_valid_metric_name("a:b"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
}

TEST(MetricRegistryTest, WithCreatesOnceAndChecksArity) {
  Registry r;
  auto& f = r.counter("ops_total", "Ops.", {"op", "status"});
  Counter& a = f.with({"decode", "ok"});
  a.inc(3);
  Counter& b = f.with({"decode", "ok"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(b.value(), 3u);
  EXPECT_NE(&a, &f.with({"decode", "error"}));
  EXPECT_EQ(f.size(), 2u);
  EXPECT_THROW(f.with({"decode"}), std::invalid_argument);
  EXPECT_THROW(f.with({"decode", "ok", "extra"}), std::invalid_argument);

  auto& unlabelled = r.gauge("temp", "T.");
  unlabelled.with({}).set(1.0);
  EXPECT_THROW(unlabelled.with({"x"}), std::invalid_argument);
  EXPECT_EQ(unlabelled.with({}).value(), 1.0);
}

TEST(MetricRegistryTest, ReferencesStayValidAsFamilyGrows) {
  Registry r;
  auto& f = r.histogram("h_ns", "H.", {"k"});
  LatencyHistogram& first = f.with({"0"});
  first.record(5);
  for (int i = 1; i < 1000; ++i)
    f.with({std::to_string(i)}).record(i);
  EXPECT_EQ(&first, &f.with({"0"}));
  EXPECT_EQ(first.count(), 1u);
  EXPECT_EQ(first.max(), 5u);
}

TEST(MetricRegistryTest, ForEachInCreationOrder) {
  Registry r;
  auto& f = r.counter("c_total", "C.", {"k"});
  for (const char* k : {"zeta", "alpha", "mid"})
    f.with({k}).inc();
  std::vector<std::string> seen;
  f.for_each([&](const std::vector<std::string>& values, const Counter& c) {
    seen.push_back(values.at(0));
    EXPECT_EQ(c.value(), 1u);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"zeta", "alpha", "mid"}));
  // f may call with() without deadlocking: the family lock is not held during the callback.
  f.for_each([&](const std::vector<std::string>&, const Counter&) { f.with({"new"}); });
  EXPECT_EQ(f.size(), 4u);
}

TEST(MetricRegistryTest, CollectContents) {
  Registry r;
  auto& requests = r.counter("requests_total", "Requests served.", {"op"});
  requests.with({"encode"}).inc(7);
  requests.with({"decode"}).inc(2);
  r.gauge("queue_depth", "Queue depth.").with({}).set(-3.5);
  auto& latency = r.histogram("latency_ns", "Latency.", {"op"});
  latency.with({"encode"}).record(100);
  latency.with({"encode"}).record(300);
  r.counter("unused_total", "Never touched.");

  const std::vector<FamilySnapshot> all = r.collect();
  ASSERT_EQ(all.size(), 4u);  // registration order

  EXPECT_EQ(all[0].name, "requests_total");
  EXPECT_EQ(all[0].help, "Requests served.");
  EXPECT_EQ(all[0].kind, MetricKind::kCounter);
  EXPECT_EQ(all[0].label_names, (std::vector<std::string>{"op"}));
  ASSERT_EQ(all[0].samples.size(), 2u);
  EXPECT_EQ(all[0].samples[0].label_values, (std::vector<std::string>{"encode"}));
  EXPECT_EQ(all[0].samples[0].value, 7.0);
  EXPECT_FALSE(all[0].samples[0].histogram.has_value());
  EXPECT_EQ(all[0].samples[1].label_values, (std::vector<std::string>{"decode"}));
  EXPECT_EQ(all[0].samples[1].value, 2.0);

  EXPECT_EQ(all[1].kind, MetricKind::kGauge);
  ASSERT_EQ(all[1].samples.size(), 1u);
  EXPECT_TRUE(all[1].samples[0].label_values.empty());
  EXPECT_EQ(all[1].samples[0].value, -3.5);

  EXPECT_EQ(all[2].kind, MetricKind::kHistogram);
  ASSERT_EQ(all[2].samples.size(), 1u);
  ASSERT_TRUE(all[2].samples[0].histogram.has_value());
  const HistogramSnapshot& h = *all[2].samples[0].histogram;
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.sum(), 400u);
  EXPECT_EQ(h.min(), 100u);
  EXPECT_EQ(h.max(), 300u);
  EXPECT_EQ(all[2].samples[0].value, 400.0);

  EXPECT_EQ(all[3].name, "unused_total");
  EXPECT_TRUE(all[3].samples.empty());

  EXPECT_EQ(to_string(MetricKind::kCounter), "counter");
  EXPECT_EQ(to_string(MetricKind::kGauge), "gauge");
  EXPECT_EQ(to_string(MetricKind::kHistogram), "histogram");
}

TEST(MetricRegistryTest, ConcurrentRegistrationWithAndUpdates) {
  constexpr int kThreads = 4;
  constexpr int kIters = 20'000;
  Registry r;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&r, t] {
      for (int i = 0; i < kIters; ++i) {
        // Every thread registers the same families and hits overlapping label sets.
        auto& f = r.counter("shared_total", "Shared.", {"k"});
        f.with({std::to_string(i % 50)}).inc();
        r.gauge("g", "G.").with({}).add(1.0);
        if (i % 100 == 0) {
          r.histogram("h_ns", "H.", {"t"}).with({std::to_string(t)}).record(i);
          (void)r.collect();  // readers race with writers
        }
      }
    });
  }
  for (auto& th : threads)
    th.join();

  auto& f = r.counter("shared_total", "Shared.", {"k"});
  EXPECT_EQ(f.size(), 50u);
  std::uint64_t total = 0;
  std::set<std::string> keys;
  f.for_each([&](const std::vector<std::string>& v, const Counter& c) {
    total += c.value();
    keys.insert(v[0]);
  });
  EXPECT_EQ(total, std::uint64_t{kThreads} * kIters);
  EXPECT_EQ(keys.size(), 50u);
  EXPECT_EQ(r.gauge("g", "G.").with({}).value(), double{kThreads} * kIters);
  std::uint64_t hist_count = 0;
  r.histogram("h_ns", "H.", {"t"})
      .for_each([&](const std::vector<std::string>&, const LatencyHistogram& h) {
        hist_count += h.count();
      });
  EXPECT_EQ(hist_count, std::uint64_t{kThreads} * (kIters / 100));
  EXPECT_EQ(r.collect().size(), 3u);
}

}  // namespace
}  // namespace opusperf
