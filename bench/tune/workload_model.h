// The workload models of `opusperf bench tune`: how throughput depends on the tuned concurrency.
//
//   contention  throughput rises linearly to the optimum and falls beyond it by 20% of peak per
//               optimum-width (x = 2 x optimum gives 80%), never below 5% of peak:
//                   share(x) = x / opt                          for x <= opt
//                            = max(0.05, 1 - 0.2 (x - opt) / opt) beyond
//   plateau     rises linearly to the optimum (the knee) and stays flat: share(x) = min(1, x / opt)
//
// Pure functions, thread-safe.
#pragma once

#include <string_view>

namespace opusperf::bench::tune {

enum class WorkloadShape { kContention, kPlateau };

// Returns "contention" or "plateau".
std::string_view to_string(WorkloadShape shape);

// Returns the share of peak throughput at concurrency x (>= 0) for a phase whose best concurrency
// is `optimum` (> 0). 0 at x = 0.
double relative_throughput(WorkloadShape shape, double x, double optimum);

// Returns the best share any fixed setting on the knob's grid (min + k * step, up to max)
// achieves: 1 when the optimum lies on the grid.
double best_fixed_share(WorkloadShape shape, double optimum, double min, double max, double step);

}  // namespace opusperf::bench::tune
