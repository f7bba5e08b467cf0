#include "opusperf/optimizer/balance_component.h"

#include <fmt/format.h>

#include <utility>

namespace opusperf {

WorkerPoolOptions BalanceComponent::options_from(const OptimizationConfig& config) {
  WorkerPoolOptions o;
  o.workers = config.max_workers;
  o.balancer.policy = config.load_balancing_strategy;
  return o;
}

BalanceComponent::BalanceComponent(const OptimizationConfig& config, Registry& metrics,
                                   Clock& clock)
    : BalanceComponent(options_from(config), metrics, clock) {}

BalanceComponent::BalanceComponent(WorkerPoolOptions options, Registry& metrics, Clock& clock)
    : threads_per_worker_(options.threads_per_worker), pool_(std::move(options), metrics, clock) {}

void BalanceComponent::stop() {
  pool_.stop();
}

OptimizationStep BalanceComponent::optimize_now() {
  const std::size_t failed = pool_.balancer().run_health_probes();
  const BalancerSnapshot s = pool_.balancer().snapshot();
  std::size_t healthy = 0;
  for (const WorkerSnapshot& w : s.workers)
    healthy += w.state == HealthState::kHealthy;
  return {"balance", 0,
          fmt::format("{} of {} workers healthy, {} jobs pending, {} probes failed; nothing to "
                      "release",
                      healthy, s.workers.size(), pool_.pending(), failed)};
}

nlohmann::json BalanceComponent::report_section() const {
  nlohmann::json j = to_json(pool_.balancer().snapshot());
  j["enabled"] = true;
  j["threads_per_worker"] = threads_per_worker_;
  j["pending"] = pool_.pending();
  return j;
}

}  // namespace opusperf
