#include "bench/tune/overload_server.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

namespace opusperf::bench::tune {

OverloadServer::OverloadServer(double service_s, std::uint64_t seed)
    : service_s_(service_s), rng_(seed) {
  if (!(service_s > 0.0)) throw std::invalid_argument("OverloadServer: service_s must be > 0");
}

ServerPeriod OverloadServer::run(double seconds, double limit, double speed, const ServerLoad& load,
                                 LatencyHistogram* latencies) {
  constexpr double kNever = std::numeric_limits<double>::infinity();
  const auto later = std::greater<>();  // min-heap on finish work
  const auto max_in_service = static_cast<std::size_t>(std::max(0.0, std::floor(limit)));
  const double peak_rate = peak(load.optimum);
  std::exponential_distribution<double> gap(load.arrival_rate > 0 ? load.arrival_rate : 1.0);
  // Poisson arrivals are memoryless: drawing the next one afresh each period keeps the stream
  // Poisson when the rate changes with the phase.
  double next_arrival = load.arrival_rate > 0 ? now_ + gap(rng_) : kNever;
  const double end = now_ + seconds;
  ServerPeriod p;
  double area = 0.0;
  while (true) {
    const std::size_t n = in_service_.size();
    const double rate =
        n == 0 ? 0.0
               : speed * relative_throughput(load.shape, static_cast<double>(n), load.optimum) *
                     peak_rate / static_cast<double>(n);
    const double next_completion =
        n == 0 || rate <= 0.0 ? kNever : now_ + (in_service_.front().first - virtual_work_) / rate;
    const double t = std::min({next_completion, next_arrival, end});
    area += static_cast<double>(n) * (t - now_);
    virtual_work_ += rate * (t - now_);
    now_ = t;
    if (t >= end) break;
    if (t == next_completion) {
      std::pop_heap(in_service_.begin(), in_service_.end(), later);
      const double latency = now_ - in_service_.back().second;
      in_service_.pop_back();
      ++p.completed;
      p.latency_sum_s += latency;
      if (latencies) latencies->record(static_cast<std::uint64_t>(std::llround(latency * 1e9)));
    } else {
      ++p.arrived;
      if (in_service_.size() < max_in_service) {
        in_service_.emplace_back(virtual_work_ + work_(rng_), now_);
        std::push_heap(in_service_.begin(), in_service_.end(), later);
      } else {
        ++p.rejected;
      }
      next_arrival = now_ + gap(rng_);
    }
  }
  p.mean_in_service = seconds > 0 ? area / seconds : 0.0;
  return p;
}

}  // namespace opusperf::bench::tune
