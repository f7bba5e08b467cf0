#include "opusperf/balance/balancer_config.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string_view>

namespace opusperf {
namespace {

void require(bool ok, std::string_view field, std::string_view rule) {
  if (!ok) throw std::invalid_argument(fmt::format("BalancerConfig: {} must be {}", field, rule));
}

}  // namespace

void validate(const BalancerConfig& c) {
  require(!c.name.empty(), "name", "not empty");
  require(c.latency_decay.count() > 0, "latency_decay", "> 0");
  require(c.error_penalty_factor >= 1.0, "error_penalty_factor", ">= 1");
  require(c.service_time_smoothing > 0.0 && c.service_time_smoothing <= 1.0,
          "service_time_smoothing", "in (0, 1]");
  require(c.hash_ring_points >= 1, "hash_ring_points", ">= 1");
  require(c.hash_balance_factor > 1.0, "hash_balance_factor", "> 1");
  const HealthConfig& h = c.health;
  require(h.base_ejection_time.count() > 0, "health.base_ejection_time", "> 0");
  require(h.max_ejection_time >= h.base_ejection_time, "health.max_ejection_time",
          ">= base_ejection_time");
  require(h.max_ejection_percent >= 0.0 && h.max_ejection_percent <= 100.0,
          "health.max_ejection_percent", "in [0, 100]");
  require(h.panic_threshold_percent >= 0.0 && h.panic_threshold_percent <= 100.0,
          "health.panic_threshold_percent", "in [0, 100]");
  require(h.success_rate_interval.count() >= 0, "health.success_rate_interval", ">= 0");
  require(h.success_rate_stdev_factor > 0.0, "health.success_rate_stdev_factor", "> 0");
  require(h.slow_start_window.count() >= 0, "health.slow_start_window", ">= 0");
  require(h.slow_start_min_weight_percent > 0.0 && h.slow_start_min_weight_percent <= 100.0,
          "health.slow_start_min_weight_percent", "in (0, 100]");
  require(h.slow_start_aggression > 0.0, "health.slow_start_aggression", "> 0");
}

}  // namespace opusperf
