#include "opusperf/tune/performance_sample.h"

#include <cstdint>

namespace opusperf {

WindowSummary summarize(std::span<const PerformanceSample> samples) {
  WindowSummary w;
  w.samples = samples.size();
  if (samples.empty()) return w;
  double throughput_sum = 0.0;
  double concurrency_sum = 0.0;
  std::size_t concurrency_samples = 0;
  for (const PerformanceSample& s : samples) {
    throughput_sum += s.throughput;
    if (s.concurrency > 0.0) {
      concurrency_sum += s.concurrency;
      ++concurrency_samples;
    }
  }
  w.mean_throughput = throughput_sum / static_cast<double>(samples.size());
  if (concurrency_samples > 0) {
    w.mean_concurrency = concurrency_sum / static_cast<double>(concurrency_samples);
  }
  // Weigh each sample's latency by the work it completed, so the result is the mean over the work
  // of the whole window. When no sample counted work (a latency-only caller), a plain mean.
  const bool by_work = throughput_sum > 0.0;
  double weighted = 0.0;
  double weight = 0.0;
  for (const PerformanceSample& s : samples) {
    if (s.latency.count() <= 0) continue;
    const double wi = by_work ? s.throughput : 1.0;
    weighted += wi * static_cast<double>(s.latency.count());
    weight += wi;
  }
  if (weight > 0.0)
    w.latency = std::chrono::nanoseconds(static_cast<std::int64_t>(weighted / weight));
  return w;
}

}  // namespace opusperf
