// `opusperf quickstart load_balancing`: real jobs on a WorkerPool of real threads, one worker
// deliberately slow, run once per balancing policy; prints each policy's measured latency and the
// share of jobs each worker got.
//
// A job checksums a buffer it fills (real CPU work) and then holds its worker for a device time
// drawn from an exponential distribution (a GPU kernel or a remote call: waiting, not computing,
// so the example means the same on a 2-core laptop and a 64-core server). Worker 0's device time
// is --slowdown times longer. Jobs arrive as a Poisson stream at --load of the pool's capacity,
// keyed by clip id (consistent_hash keeps a clip on one worker). The configured strategy
// (--profile/--config load_balancing_strategy) runs on the optimizer's balance component, so the
// report's `balance` section shows it.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "command_registry.h"
#include "opusperf/balance/load_balancing_policy.h"
#include "opusperf/balance/rng.h"
#include "opusperf/balance/worker_pool.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/balance_component.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

struct LoadBalancingOptions {
  int workers = 4;
  int jobs = 400;
  double service_ms = 2.0;
  double slowdown = 5.0;
  double load = 0.7;
  int clips = 64;
};

struct PolicyRun {
  std::string policy;
  double p50_ms = 0.0;
  double p99_ms = 0.0;
  std::uint64_t errors = 0;
  std::vector<double> shares;  // percent
};

// The job: a checksum over a buffer (real work), then the worker's device time.
std::uint64_t clip_job(std::uint32_t worker, double device_ms, std::uint64_t clip) {
  std::vector<std::uint64_t> buffer(2048);
  std::iota(buffer.begin(), buffer.end(), clip);
  std::uint64_t sum = 0;
  for (const std::uint64_t v : buffer)
    sum = sum * 31 + balance::mix64(v);
  std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(device_ms));
  return sum ^ worker;
}

// Runs the workload on `pool` and returns what its balancer measured.
PolicyRun run_policy(WorkerPool& pool, const LoadBalancingOptions& o, std::uint64_t seed) {
  const double capacity_per_ms = ((o.workers - 1) + 1.0 / o.slowdown) / o.service_ms;
  const double mean_gap_ms = 1.0 / (o.load * capacity_per_ms);
  balance::Rng rng(seed);
  std::vector<std::future<std::uint64_t>> results;
  auto next = std::chrono::steady_clock::now();
  for (int i = 0; i < o.jobs; ++i) {
    next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double, std::milli>(rng.exponential(mean_gap_ms)));
    std::this_thread::sleep_until(next);
    const double device_ms = rng.exponential(o.service_ms);
    const auto clip = rng.below(static_cast<std::uint64_t>(o.clips));
    results.push_back(pool.submit(
        [device_ms, clip, slowdown = o.slowdown](std::uint32_t worker) {
          return clip_job(worker, worker == 0 ? device_ms * slowdown : device_ms, clip);
        },
        fmt::format("clip-{}", clip)));
  }
  for (auto& r : results)
    r.get();
  pool.drain();
  const BalancerSnapshot s = pool.balancer().snapshot();
  HistogramSnapshot all;
  PolicyRun run;
  run.policy = s.policy;
  for (const WorkerSnapshot& w : s.workers) {
    all.merge(w.latency_ns);
    run.shares.push_back(w.share_percent);
  }
  run.p50_ms = static_cast<double>(all.percentile(0.50)) / 1e6;
  run.p99_ms = static_cast<double>(all.percentile(0.99)) / 1e6;
  run.errors = s.errors;
  return run;
}

int run_load_balancing(const LoadBalancingOptions& o, const QuickstartContext& ctx) {
  if (o.workers < 2) throw InputError("--workers must be at least 2 (one of them is the slow one)");
  if (o.jobs < 1) throw InputError("--jobs must be at least 1");
  if (!(o.service_ms > 0) || !(o.slowdown >= 1)) {
    throw InputError("--service-ms must be > 0 and --slowdown at least 1");
  }
  if (!(o.load > 0 && o.load < 1)) throw InputError("--load must be in (0, 1)");
  if (o.clips < 1) throw InputError("--clips must be at least 1");

  PerformanceOptimizer opt(ctx.config);

  ServeScope serve(opt, ctx.serve);
  const std::string configured = ctx.config.load_balancing_strategy;
  std::cerr << fmt::format(
      "quickstart load_balancing: {} workers (worker 0 {}x slower), {} jobs of ~{} ms at load "
      "{}, per policy\n",
      o.workers, o.slowdown, o.jobs, o.service_ms, o.load);

  std::vector<PolicyRun> runs;
  std::uint64_t seed = 1;
  for (const std::string_view policy : balancing_policy_names()) {
    WorkerPoolOptions options;
    options.workers = static_cast<std::size_t>(o.workers);
    options.balancer.name = std::string(policy);
    options.balancer.policy = std::string(policy);
    const auto measure = [&](WorkerPool& pool) {
      auto [run, m] = opt.optimize_operation(
          {fmt::format("balance_{}", policy), static_cast<std::uint64_t>(o.jobs)},
          [&] { return run_policy(pool, o, seed); });
      runs.push_back(std::move(run));
    };
    if (policy == configured) {
      // The configured strategy runs on the optimizer's component: the report shows it.
      auto component = std::make_unique<BalanceComponent>(options, opt.metrics());
      WorkerPool& pool = component->pool();
      opt.add_component(std::move(component));
      measure(pool);
    } else {
      WorkerPool pool(options, opt.metrics());
      measure(pool);
    }
  }

  std::cout << fmt::format("Measured latency (submit to done) and shares, worker 0 {}x slower\n",
                           o.slowdown);
  std::string header;
  for (int w = 0; w < o.workers; ++w)
    header += fmt::format(" {:>6}", fmt::format("w{}", w));
  std::cout << fmt::format("  {:<16} {:>9} {:>9} {:>6}  share %{}\n", "policy", "p50 ms", "p99 ms",
                           "errors", header);
  for (const PolicyRun& r : runs) {
    std::string shares;
    for (const double s : r.shares)
      shares += fmt::format(" {:>6.1f}", s);
    std::cout << fmt::format("  {:<16} {:>9.2f} {:>9.2f} {:>6}         {}{}\n", r.policy, r.p50_ms,
                             r.p99_ms, r.errors, shares,
                             r.policy == configured ? "  (configured)" : "");
  }
  std::cout << "\n";
  finish_quickstart(opt, ctx);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "load_balancing",
    "every balancing policy on a real worker pool with one slow worker",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<LoadBalancingOptions>();
      cmd.add_option("--workers", o->workers, "Workers (threads) in the pool")
          ->capture_default_str();
      cmd.add_option("--jobs", o->jobs, "Jobs per policy")->capture_default_str();
      cmd.add_option("--service-ms", o->service_ms, "Mean device time of a job, ms")
          ->capture_default_str();
      cmd.add_option("--slowdown", o->slowdown, "How many times slower worker 0 is")
          ->capture_default_str();
      cmd.add_option("--load", o->load, "Arrival rate as a share of the pool's capacity")
          ->capture_default_str();
      cmd.add_option("--clips", o->clips, "Distinct clip ids (keys)")->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_load_balancing(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
