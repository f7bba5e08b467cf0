// Cost of one request through the LoadBalancer: pick() and Assignment::done() with 8 workers, for
// each policy (`opusperf bench micro --filter Balancer`). The simulated clock keeps time reads out
// of the figure; the cost is the lock, the health refresh, the policy and the bookkeeping.
#include <benchmark/benchmark.h>

#include <string>

#include "opusperf/balance/load_balancer.h"
#include "opusperf/balance/load_balancing_policy.h"

namespace opusperf {
namespace {

void BM_BalancerPickDone(benchmark::State& state) {
  const std::string policy(balancing_policy_names()[static_cast<std::size_t>(state.range(0))]);
  ManualClock clock;
  Registry metrics;
  BalancerConfig config;
  config.policy = policy;
  LoadBalancer lb(config, metrics, clock);
  for (int i = 0; i < 8; ++i)
    lb.add_worker({});
  std::uint64_t key = 0;
  for (auto _ : state) {
    Assignment a = lb.pick_hashed(++key);
    clock.advance(std::chrono::microseconds(100));
    a.done(true);
  }
  state.SetLabel(policy);
}
BENCHMARK(BM_BalancerPickDone)->DenseRange(0, 5);

}  // namespace
}  // namespace opusperf
