// `opusperf quickstart adaptive`: the AdaptivePerformanceTuner tuning a real WorkerPool's
// concurrency while it runs a mixed workload: each job burns some CPU, then waits on (simulated)
// I/O. Too few jobs in flight leave the cores idle during the waits; too many only queue for the
// cores. The tuner starts from one job in flight, measures throughput every sample period, moves
// the concurrency limit, keeps what helps and undoes what hurts. The example prints the decision
// log and the throughput before and after, each measured over a window with the tuner frozen.
//
// The pool has --max-concurrency threads; the tuned knob is a limit on the jobs kept in flight
// around submit() (a closed loop: a new job is submitted as soon as one finishes and the limit
// allows). tuning_interval comes from --interval-ms (not the profile's, which is minutes apart for
// production services), so the example finishes in seconds.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "command_registry.h"
#include "opusperf/balance/worker_pool.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/optimizer/tune_component.h"
#include "opusperf/tune/controller_factory.h"
#include "opusperf/tune/decision.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct AdaptiveOptions {
  double seconds = 15;         // tuning time
  double measure_seconds = 2;  // each of the before / after measurements
  double cpu_ms = 2;           // CPU work per job
  double io_ms = 8;            // I/O wait per job
  int start = 1;
  int max_concurrency = 32;
  int interval_ms = 500;
  std::string controller = "hill_climb";
};

// A fixed amount of CPU work: `iterations` rounds of a 64-bit mixing function. Returns its result
// so the compiler keeps the loop.
std::uint64_t burn(std::uint64_t iterations, std::uint64_t seed) {
  std::uint64_t x = seed | 1;
  for (std::uint64_t i = 0; i < iterations; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
  }
  return x;
}

// Iterations of burn() that take about `ms` on one core of this machine, measured now.
std::uint64_t calibrate(double ms) {
  constexpr std::uint64_t kProbe = 2'000'000;
  double best = 1e9;
  std::uint64_t sink = 0;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = Clock::now();
    sink += burn(kProbe, static_cast<std::uint64_t>(i));
    best = std::min(best, std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  if (sink == 42) std::cerr << "";  // keep `sink` alive
  return std::max<std::uint64_t>(1, static_cast<std::uint64_t>(ms / best * kProbe));
}

// Keeps up to `limit` jobs in flight on the pool until told to stop.
class ClosedLoop {
 public:
  ClosedLoop(WorkerPool& pool, AdaptivePerformanceTuner& tuner, std::uint64_t iterations,
             std::chrono::microseconds io, int limit)
      : pool_(pool), tuner_(tuner), iterations_(iterations), io_(io), limit_(limit) {}

  void set_limit(double limit) {
    {
      std::lock_guard lock(mu_);
      limit_ = static_cast<int>(limit);
    }
    cv_.notify_all();
  }
  int limit() const {
    std::lock_guard lock(mu_);
    return limit_;
  }
  std::uint64_t completed() const { return completed_.load(std::memory_order_relaxed); }

  // Submits jobs until `until`, then waits for the ones in flight.
  void run_until(Clock::time_point until) {
    std::uint64_t seed = 0;
    while (Clock::now() < until) {
      {
        std::unique_lock lock(mu_);
        if (!cv_.wait_until(lock, until, [&] { return in_flight_ < limit_; })) break;
        ++in_flight_;
      }
      pool_.submit([this, s = ++seed] { job(s); });
    }
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
  }

 private:
  void job(std::uint64_t seed) {
    const auto t0 = Clock::now();
    if (burn(iterations_, seed) == 0) std::cerr << "";  // never 0; keeps the work
    std::this_thread::sleep_for(io_);
    OperationMetrics m;
    m.units = 1;
    m.wall_time = Clock::now() - t0;
    tuner_.record_performance(m);
    completed_.fetch_add(1, std::memory_order_relaxed);
    {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    cv_.notify_all();
  }

  WorkerPool& pool_;
  AdaptivePerformanceTuner& tuner_;
  const std::uint64_t iterations_;
  const std::chrono::microseconds io_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int limit_;          // guarded by mu_
  int in_flight_ = 0;  // guarded by mu_
  std::atomic<std::uint64_t> completed_{0};
};

// Runs `loop` for `seconds` and returns the jobs it completed per second.
double measure(ClosedLoop& loop, double seconds) {
  const std::uint64_t before = loop.completed();
  const auto t0 = Clock::now();
  loop.run_until(
      t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
  const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(loop.completed() - before) / elapsed;
}

void print_decisions(const std::vector<Decision>& log, std::ostream& out) {
  out << decision_text_header() << "\n";
  for (const Decision& d : log)
    out << to_text(d) << "\n";
}

int run_adaptive(const AdaptiveOptions& o, const QuickstartContext& ctx) {
  if (!(o.seconds > 0) || !(o.measure_seconds > 0)) {
    throw InputError("--seconds and --measure-seconds must be > 0");
  }
  if (!(o.cpu_ms >= 0) || !(o.io_ms >= 0) || o.cpu_ms + o.io_ms <= 0) {
    throw InputError("--cpu-ms and --io-ms must be >= 0 and not both 0");
  }
  if (o.max_concurrency < 2 || o.max_concurrency > 1024) {
    throw InputError("--max-concurrency must be in [2, 1024]");
  }
  if (o.start < 1 || o.start > o.max_concurrency) {
    throw InputError("--start must be in [1, --max-concurrency]");
  }
  if (o.interval_ms < 100) throw InputError("--interval-ms must be >= 100");
  make_controller(o.controller);  // rejects an unknown name (InputError) before any work starts

  OptimizationConfig cfg = ctx.config;
  cfg.enable_adaptive_tuning = true;
  cfg.tuning_interval = std::chrono::milliseconds(o.interval_ms);
  PerformanceOptimizer opt(cfg);
  ServeScope serve(opt, ctx.serve);
  WorkerPoolOptions pool_options;
  pool_options.workers = static_cast<std::size_t>(o.max_concurrency);
  pool_options.balancer.name = "adaptive";
  pool_options.balancer.policy = "least_loaded";
  WorkerPool pool(pool_options, opt.metrics());
  auto component = std::make_unique<TuneComponent>(opt.config(), opt.metrics());
  AdaptivePerformanceTuner& tuner = component->tuner();
  const std::uint64_t iterations = calibrate(o.cpu_ms);
  ClosedLoop loop(pool, tuner, iterations,
                  std::chrono::microseconds(static_cast<std::int64_t>(o.io_ms * 1000)), o.start);
  tuner.add_knob({.name = "pool_concurrency",
                  .min = 1,
                  .max = static_cast<double>(o.max_concurrency),
                  .step = 1,
                  .initial = static_cast<double>(o.start),
                  .apply = [&loop](double v) { loop.set_limit(v); }},
                 make_controller(o.controller));
  tuner.set_frozen(true);
  opt.add_component(std::move(component));

  std::cerr << fmt::format(
      "quickstart adaptive: jobs of {:g} ms CPU + {:g} ms I/O wait on a {}-thread WorkerPool, {} "
      "hardware threads; tuning the jobs in flight (start {}, bounds 1..{}) with {} every {} ms "
      "for {:g} s\n",
      o.cpu_ms, o.io_ms, pool.size(), std::thread::hardware_concurrency(), o.start,
      o.max_concurrency, o.controller, o.interval_ms, o.seconds);

  const int before_limit = loop.limit();
  const double before = measure(loop, o.measure_seconds);
  std::cout << fmt::format("before: {} in flight: {:.1f} jobs/s (measured over {:g} s, frozen)\n",
                           before_limit, before, o.measure_seconds);

  tuner.set_frozen(false);
  measure(loop, o.seconds);
  tuner.set_frozen(true);
  const int after_limit = loop.limit();
  const double after = measure(loop, o.measure_seconds);

  std::cout << fmt::format("\ndecision log ({} decisions):\n", tuner.decisions_total());
  print_decisions(tuner.decisions(), std::cout);
  std::cout << fmt::format(
      "\nafter:  {} in flight: {:.1f} jobs/s (measured over {:g} s, frozen): {:.2f}x the "
      "throughput before\n",
      after_limit, after, o.measure_seconds, before > 0 ? after / before : 0.0);
  std::cout << fmt::format("strategy at the end: {}\n\n", tuner.current_strategy().summary());
  pool.stop();
  finish_quickstart(opt, ctx);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "adaptive",
    "the tuner adjusting a WorkerPool's concurrency on a CPU + I/O-wait workload",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<AdaptiveOptions>();
      cmd.add_option("--seconds", o->seconds, "Seconds of tuning")->capture_default_str();
      cmd.add_option("--measure-seconds", o->measure_seconds,
                     "Seconds of each before/after measurement")
          ->capture_default_str();
      cmd.add_option("--cpu-ms", o->cpu_ms, "CPU time per job, ms")->capture_default_str();
      cmd.add_option("--io-ms", o->io_ms, "I/O wait per job, ms")->capture_default_str();
      cmd.add_option("--start", o->start, "Jobs in flight at the start")->capture_default_str();
      cmd.add_option("--max-concurrency", o->max_concurrency,
                     "Pool threads, the knob's upper bound")
          ->capture_default_str();
      cmd.add_option("--interval-ms", o->interval_ms, "Tuning interval (evaluation window), ms")
          ->capture_default_str();
      cmd.add_option("--controller", o->controller, "hill_climb or gradient")
          ->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_adaptive(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
