#include "bench/gpu/alloc_workload.h"

#include <time.h>

#include <random>
#include <stdexcept>

namespace opusperf::bench {

std::chrono::nanoseconds thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

AllocWorkload make_alloc_workload(const AllocWorkloadOptions& o) {
  if (o.operations < 2 || o.operations % 2 != 0) {
    throw std::invalid_argument("alloc workload: operations must be even and at least 2");
  }
  if (o.max_size < 1 || o.max_usage < o.max_size) {
    throw std::invalid_argument("alloc workload: need 1 <= max_size <= max_usage");
  }
  if (o.allocate_percent < 1 || o.allocate_percent > 99) {
    throw std::invalid_argument("alloc workload: allocate_percent must be in [1, 99]");
  }
  std::mt19937_64 rng(o.seed);
  std::uniform_int_distribution<std::size_t> size(1, o.max_size);
  std::uniform_int_distribution<int> percent(0, 99);
  AllocWorkload w;
  w.ops.reserve(o.operations);
  const std::size_t planned = o.operations / 2;
  std::vector<std::size_t> live;  // sizes, kept the way replay() keeps its pointers
  std::size_t usage = 0;
  while (w.allocations < planned || !live.empty()) {
    bool allocate = true;
    if (!live.empty()) {
      allocate =
          percent(rng) < o.allocate_percent && w.allocations < planned && usage < o.max_usage;
    }
    if (allocate) {
      const std::size_t n = size(rng);
      w.ops.push_back({true, n});
      live.push_back(n);
      usage += n;
      ++w.allocations;
      if (usage > w.peak_live_bytes) w.peak_live_bytes = usage;
    } else {
      const std::size_t i = std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(rng);
      w.ops.push_back({false, i});
      usage -= live[i];
      live[i] = live.back();
      live.pop_back();
    }
  }
  return w;
}

}  // namespace opusperf::bench
