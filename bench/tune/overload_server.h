// OverloadServer: the queueing model behind overload scenarios of `opusperf bench tune`.
//
// A server with `optimum` parallel slots' worth of capacity serves requests by processor sharing:
// with n requests in service each progresses at rate
//     speed * share(n) * peak / n        (work units per second; share from workload_model.h)
// where peak = optimum / service_s requests per second, so n <= optimum requests each finish a
// unit of work in service_s and beyond the optimum contention slows everyone (the contention
// shape) or adds only waiting (plateau). Requests arrive as a Poisson stream; each needs
// Gamma(4, 1/4) units of work (mean 1, coefficient of variation 0.5). The tuned knob is a
// concurrency limit: an arrival that finds `limit` requests in service is rejected at once (load
// shedding, as Envoy's adaptive concurrency filter answers 503), so admitted requests never queue
// and their latency is their time in service.
//
// Goodput is what completes: at overload the best a limit can do is keep exactly `optimum`
// requests in service, completing peak requests per second at the unqueued latency. The no-load
// latency is measured by the same model with a limit of one request.
//
// Deterministic for a seed. Not thread-safe. Cost: O(log n) per arrival and completion.
#pragma once

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "bench/tune/workload_model.h"
#include "opusperf/monitor/latency_histogram.h"

namespace opusperf::bench::tune {

struct ServerLoad {
  WorkloadShape shape = WorkloadShape::kContention;
  double optimum = 1.0;       // > 0
  double arrival_rate = 0.0;  // requests per second, >= 0
};

// What one period of simulated time produced.
struct ServerPeriod {
  std::uint64_t arrived = 0;
  std::uint64_t rejected = 0;
  std::uint64_t completed = 0;
  double latency_sum_s = 0.0;    // over the completed requests
  double mean_in_service = 0.0;  // time-average requests in service
};

class OverloadServer {
 public:
  // REQUIRES: service_s > 0.
  OverloadServer(double service_s, std::uint64_t seed);

  // Runs `seconds` of simulated time with at most floor(limit) requests in service and the server
  // running at `speed` (1 = nominal; the scenario's noise varies it per period). Each completed
  // request's latency is recorded in `latencies` (nanoseconds) when not null.
  ServerPeriod run(double seconds, double limit, double speed, const ServerLoad& load,
                   LatencyHistogram* latencies);

  // Returns peak completions per second for a phase with this optimum.
  double peak(double optimum) const { return optimum / service_s_; }

 private:
  const double service_s_;
  std::mt19937_64 rng_;
  std::gamma_distribution<double> work_{4.0, 0.25};
  double now_ = 0.0;
  double virtual_work_ = 0.0;  // work every request in service has received so far
  // Requests in service: (virtual work at which it finishes, admission time), a min-heap.
  std::vector<std::pair<double, double>> in_service_;
};

}  // namespace opusperf::bench::tune
