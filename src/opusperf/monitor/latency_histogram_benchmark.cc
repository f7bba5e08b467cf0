// Micro-benchmarks for the monitor's hot paths: LatencyHistogram::record, Counter::inc and
// Family::with. Linked into `opusperf bench micro` (no main here).
//
// BM_AtomicCounterIncrement is the floor to compare against: one relaxed fetch_add, the cheapest
// thing a thread-safe metric can do. record() does three of those plus the bucket arithmetic.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "opusperf/monitor/latency_histogram.h"
#include "opusperf/monitor/metric_registry.h"

namespace opusperf {
namespace {

// 4096 latencies from 100 ns to ~10 s, log-uniform, so records land in many different buckets and
// the compiler cannot fold the value; the mask keeps the index computation off the critical path.
const std::array<std::uint64_t, 4096>& sample_values() {
  static const std::array<std::uint64_t, 4096> values = [] {
    std::array<std::uint64_t, 4096> v{};
    std::mt19937_64 rng(42);
    std::uniform_real_distribution<double> exponent(2.0, 10.0);
    for (auto& x : v)
      x = static_cast<std::uint64_t>(std::pow(10.0, exponent(rng)));
    return v;
  }();
  return values;
}

void BM_HistogramRecord(benchmark::State& state) {
  LatencyHistogram h;
  const auto& values = sample_values();
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & (values.size() - 1)]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

// All threads record into one histogram: the cost of sharing (the count/sum cache line bounces).
void BM_HistogramRecordThreaded(benchmark::State& state) {
  static LatencyHistogram shared;  // constant size; lives for the process
  // The other threads wait at the loop's start barrier, so none records during the reset.
  if (state.thread_index() == 0) shared.reset();
  const auto& values = sample_values();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 997;
  for (auto _ : state) {
    shared.record(values[i++ & (values.size() - 1)]);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecordThreaded)->Threads(1)->Threads(2)->UseRealTime();

void BM_AtomicCounterIncrement(benchmark::State& state) {
  std::atomic<std::uint64_t> counter{0};
  for (auto _ : state) {
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  benchmark::DoNotOptimize(counter.load());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AtomicCounterIncrement);

void BM_CounterInc(benchmark::State& state) {
  Registry registry;
  Counter& c = registry.counter("bench_total", "Benchmark counter.").with({});
  for (auto _ : state) {
    c.inc();
  }
  benchmark::DoNotOptimize(c.value());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterInc);

// The cost of looking a metric up by label values on every event (what hot paths should avoid by
// keeping the reference), over a family of 64 label sets.
void BM_FamilyWithLookup(benchmark::State& state) {
  Registry registry;
  auto& family =
      registry.counter("bench_requests_total", "Benchmark family.", {"operation", "status"});
  std::vector<std::vector<std::string>> labels;
  for (int op = 0; op < 16; ++op) {
    for (const char* status : {"ok", "error", "timeout", "cancelled"}) {
      labels.push_back({"operation_" + std::to_string(op), status});
      family.with(labels.back());
    }
  }
  std::size_t i = 0;
  for (auto _ : state) {
    family.with(labels[i++ & 63]).inc();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FamilyWithLookup);

}  // namespace
}  // namespace opusperf
