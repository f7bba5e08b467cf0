// Cost of running work through PerformanceOptimizer::optimize_operation against calling it
// directly. BM_DirectCall is the baseline; the overhead is BM_OptimizeOperation minus
// BM_DirectCall.
#include <benchmark/benchmark.h>

#include "opusperf/core/profiles.h"
#include "opusperf/optimizer/performance_optimizer.h"

namespace opusperf {
namespace {

// A tiny unit of work the compiler cannot remove.
// Unsigned, so its wrap-around is defined.
unsigned small_work(unsigned x) {
  benchmark::DoNotOptimize(x);
  return x * 3 + 1;
}

void BM_DirectCall(benchmark::State& state) {
  unsigned x = 0;
  for (auto _ : state) {
    x = small_work(x);
    benchmark::DoNotOptimize(x);
  }
}
BENCHMARK(BM_DirectCall);

void BM_OptimizeOperation(benchmark::State& state) {
  // The production profile, monitoring thread running, as a service would have it.
  PerformanceOptimizer opt(profiles::production());
  unsigned x = 0;
  for (auto _ : state) {
    auto [r, m] = opt.optimize_operation("small_work", small_work, x);
    x = r;
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_OptimizeOperation);

void BM_OptimizeOperationVoid(benchmark::State& state) {
  PerformanceOptimizer opt(profiles::production());
  unsigned x = 0;
  for (auto _ : state) {
    OperationMetrics m = opt.optimize_operation("void_work", [&] { x = small_work(x); });
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_OptimizeOperationVoid);

}  // namespace
}  // namespace opusperf
