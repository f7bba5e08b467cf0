// BalanceComponent: the LoadBalancer and its WorkerPool as a part of PerformanceOptimizer, filling
// the report's `balance` section.
//
//   PerformanceOptimizer opt(cfg);   // cfg.enable_load_balancing, max_workers, strategy
//   auto balance = std::make_unique<BalanceComponent>(cfg, opt.metrics());
//   WorkerPool& pool = balance->pool();
//   opt.add_component(std::move(balance));
//   auto f = pool.submit([](std::uint32_t worker) { return encode_on(worker); }, video_id);
//
// The pool has OptimizationConfig::max_workers workers (threads), balanced by
// load_balancing_strategy, with the health defaults of balancer_config.h; its metrics go to the
// optimizer's Registry under pool="default". stop() drains the pool (every queued job runs) and
// joins its threads. optimize_now() runs the active health probe when one is set; the balancer
// holds no memory worth releasing.
//
// Thread-safety: pool(), optimize_now() and report_section() may be called from many threads.
// Not copyable.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "opusperf/balance/worker_pool.h"
#include "opusperf/core/clock.h"
#include "opusperf/core/config.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/optimizer/component.h"

namespace opusperf {

class BalanceComponent final : public Component {
 public:
  // Returns the pool options OptimizationConfig asks for: max_workers workers, one thread each,
  // load_balancing_strategy, every other setting at its default.
  static WorkerPoolOptions options_from(const OptimizationConfig& config);

  // Starts a pool of options_from(config). REQUIRES: config passes validate(). `metrics` and
  // `clock` must outlive the component.
  BalanceComponent(const OptimizationConfig& config, Registry& metrics,
                   Clock& clock = SteadyClock::instance());
  // Starts a pool with options chosen by the caller (threads per worker, weights, limits, health).
  BalanceComponent(WorkerPoolOptions options, Registry& metrics,
                   Clock& clock = SteadyClock::instance());
  BalanceComponent(const BalanceComponent&) = delete;
  BalanceComponent& operator=(const BalanceComponent&) = delete;

  std::string_view section() const override { return "balance"; }
  // Drains and stops the pool; later submit() calls throw RuntimeError.
  void stop() override;
  OptimizationStep optimize_now() override;
  // Returns {"enabled": true, "threads_per_worker", "pending", and the balancer's snapshot
  // (balancer_snapshot.h: "policy", "workers" with shares, latency p50/p99, errors, ejections,
  // "recent_events", ...)}.
  nlohmann::json report_section() const override;

  WorkerPool& pool() { return pool_; }

 private:
  const std::size_t threads_per_worker_;
  WorkerPool pool_;
};

}  // namespace opusperf
