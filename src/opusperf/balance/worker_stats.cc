#include "opusperf/balance/worker_stats.h"

#include <algorithm>
#include <utility>

namespace opusperf {

WorkerStats::WorkerStats(std::string name, double weight, Clock::duration latency_decay)
    : name_(std::move(name)), weight_(weight), effective_weight_(weight), latency_(latency_decay) {}

void WorkerStats::account_busy(Clock::time_point now) {
  if (in_flight_ > 0 && now > last_load_change_) {
    busy_since_completion_s_ += std::chrono::duration<double>(now - last_load_change_).count();
  }
  last_load_change_ = std::max(last_load_change_, now);
}

void WorkerStats::observe_outcome(Clock::time_point now, double latency_s, bool ok,
                                  double penalty_s) {
  if (!ok) ++errors_;
  latency_.observe(ok ? latency_s : std::max(latency_s, penalty_s), now);
}

void WorkerStats::on_dispatch(Clock::time_point now, bool tracked) {
  ++requests_;
  if (!tracked) return;
  account_busy(now);
  ++in_flight_;
}

void WorkerStats::on_finish(Clock::time_point now, double latency_s, bool ok, double penalty_s,
                            double smoothing) {
  account_busy(now);
  if (in_flight_ > 0) --in_flight_;
  observe_outcome(now, latency_s, ok, penalty_s);
  // The busy time since the previous completion is this request's service time when the worker
  // serves one at a time. An error's is not: a worker that fails fast is not a fast worker.
  const double sample = busy_since_completion_s_;
  busy_since_completion_s_ = 0.0;
  if (ok && sample > 0.0) {
    service_time_ =
        service_time_ == 0.0 ? sample : service_time_ + smoothing * (sample - service_time_);
  }
}

void WorkerStats::on_cancel(Clock::time_point now) {
  account_busy(now);
  if (in_flight_ > 0) --in_flight_;
}

void WorkerStats::on_report(Clock::time_point now, std::uint32_t load, double latency_s, bool ok,
                            double penalty_s) {
  reported_load_ = load;
  observe_outcome(now, latency_s, ok, penalty_s);
}

void WorkerStats::reset_estimates(double latency_s, Clock::time_point now) {
  if (latency_s > 0.0) {
    latency_.reset(latency_s, now);
  } else {
    latency_.clear();
  }
  service_time_ = 0.0;
  busy_since_completion_s_ = 0.0;
}

}  // namespace opusperf
