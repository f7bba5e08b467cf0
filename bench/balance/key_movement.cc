#include "bench/balance/key_movement.h"

#include <string>
#include <vector>

#include "opusperf/balance/load_balancer.h"
#include "opusperf/core/clock.h"
#include "opusperf/monitor/metric_registry.h"

namespace opusperf::bench::balancesim {

KeyMovement measure_key_movement(std::size_t workers, std::uint64_t keys) {
  ManualClock clock;
  Registry registry;
  BalancerConfig config;
  config.name = "key_movement";
  config.policy = "consistent_hash";
  LoadBalancer lb(config, registry, clock);
  for (std::size_t i = 0; i < workers; ++i)
    lb.add_worker({});
  std::vector<std::uint32_t> before(keys);
  for (std::uint64_t k = 0; k < keys; ++k)
    before[k] = lb.get_next_worker("key-" + std::to_string(k));
  const std::uint32_t newcomer = lb.add_worker({});
  KeyMovement m;
  m.workers_before = workers;
  m.keys = keys;
  for (std::uint64_t k = 0; k < keys; ++k) {
    const std::uint32_t now = lb.get_next_worker("key-" + std::to_string(k));
    if (now == before[k]) continue;
    ++m.moved;
    if (now != newcomer) ++m.moved_elsewhere;
  }
  m.moved_fraction = static_cast<double>(m.moved) / static_cast<double>(keys);
  m.bound = 1.0 / static_cast<double>(workers) + 0.05;
  return m;
}

nlohmann::json to_json(const KeyMovement& m) {
  return {{"workers_before", m.workers_before},
          {"workers_after", m.workers_before + 1},
          {"keys", m.keys},
          {"moved", m.moved},
          {"moved_to_old_workers", m.moved_elsewhere},
          {"moved_fraction", m.moved_fraction},
          {"bound", m.bound}};
}

}  // namespace opusperf::bench::balancesim
