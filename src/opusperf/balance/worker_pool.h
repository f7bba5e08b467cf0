// WorkerPool: N workers, each a queue served by its own thread(s), with a LoadBalancer choosing
// the worker for every job.
//
//   Registry metrics;
//   WorkerPool pool({.workers = 4, .balancer = {.policy = "adaptive"}}, metrics);
//   std::future<int> f = pool.submit([] { return decode_batch(); });
//   auto g = pool.submit([](std::uint32_t worker) { return run_on_gpu(worker); }, "video-42");
//   int frames = f.get();            // rethrows what the job threw
//   pool.stop();                     // refuses new jobs, finishes the queued ones, joins
//
// A job is any callable taking no argument or the worker's index (to use that worker's device or
// connection); submit() returns a std::future of its result. The balancer sees each job in flight
// from submit to completion, so its latency includes the time queued on the worker, and a job that
// throws counts as an error (its exception goes to the future; the worker keeps running). With a
// key, consistent_hash keeps equal keys on one worker.
//
// Per-worker limits: threads_per_worker jobs of a worker run at once; with
// BalancerConfig::max_in_flight_per_worker > 0, a worker holds at most that many jobs queued and
// running, and submit() blocks while every worker that may be picked is full (backpressure).
//
// Thread-safety: every method may be called from many threads. Cost of submit(): an allocation for
// the job, one pick (see load_balancer.h), and a queue push with a wake-up (a few µs end to end).
// Not copyable or movable; the destructor calls stop().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "opusperf/balance/load_balancer.h"

namespace opusperf {

struct WorkerPoolOptions {
  // Workers (queues). >= 1. OptimizationConfig::max_workers in a service.
  std::size_t workers = 4;
  // Threads serving each worker's queue: how many of its jobs run at once. >= 1.
  std::size_t threads_per_worker = 1;
  // Relative capacity of each worker; empty = all 1, else one positive weight per worker.
  std::vector<double> weights;
  // The balancer's settings; its name labels the pool's metrics.
  BalancerConfig balancer;
  // How often a probe set with balancer().set_health_probe() runs; 0 = never.
  std::chrono::milliseconds probe_interval{0};
};

namespace pool_detail {

// A submitted job with the promise of its result, type-erased for the worker queues.
class Task {
 public:
  virtual ~Task() = default;
  // Runs the job on `worker`, records its outcome in `assignment` (before the future becomes
  // ready, so a caller that saw the result also sees the balancer's count of it) and fulfils the
  // promise. Never throws.
  virtual void run(std::uint32_t worker, Assignment& assignment) noexcept = 0;
};

template <class F>
constexpr bool kTakesWorker = std::is_invocable_v<F&, std::uint32_t>;

template <class F>
using JobResult =
    typename std::conditional_t<kTakesWorker<F>, std::invoke_result<F&, std::uint32_t>,
                                std::invoke_result<F&>>::type;

template <class F>
class JobTask final : public Task {
 public:
  using R = JobResult<F>;
  static_assert(!std::is_reference_v<R>, "WorkerPool jobs must return a value, not a reference");

  explicit JobTask(F job) : job_(std::move(job)) {}
  std::future<R> future() { return promise_.get_future(); }

  void run(std::uint32_t worker, Assignment& assignment) noexcept override {
    try {
      if constexpr (std::is_void_v<R>) {
        call(worker);
        assignment.done(true);
        promise_.set_value();
      } else {
        R result = call(worker);
        assignment.done(true);
        promise_.set_value(std::move(result));
      }
    } catch (...) {
      if (assignment) assignment.done(false);
      promise_.set_exception(std::current_exception());
    }
  }

 private:
  R call(std::uint32_t worker) {
    if constexpr (kTakesWorker<F>) {
      return std::invoke(job_, worker);
    } else {
      return std::invoke(job_);
    }
  }

  F job_;
  std::promise<R> promise_;
};

}  // namespace pool_detail

class WorkerPool {
 public:
  // Starts the worker threads (workers x threads_per_worker) and, with a probe interval, the probe
  // thread. REQUIRES: workers >= 1, threads_per_worker >= 1, weights empty or one per worker
  // (throws std::invalid_argument); see LoadBalancer for the balancer's requirements. `metrics`
  // and `clock` must outlive the pool.
  WorkerPool(WorkerPoolOptions options, Registry& metrics, Clock& clock = SteadyClock::instance());
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job` on the worker the balancer picks (for `key`, when not empty) and returns the
  // future of its result. Blocks while every eligible worker is at its in-flight limit.
  // Throws RuntimeError once stop() has begun (the job is not run).
  template <class F>
  std::future<pool_detail::JobResult<std::decay_t<F>>> submit(F&& job, std::string_view key = {}) {
    auto task = std::make_unique<pool_detail::JobTask<std::decay_t<F>>>(std::forward<F>(job));
    auto future = task->future();
    enqueue(std::move(task), key);
    return future;
  }

  // Returns when every job submitted so far has finished (including ones submitted meanwhile).
  void drain();
  // Refuses new jobs (submit() throws; submitters waiting for capacity give up), lets every queued
  // job finish, then joins the threads. Idempotent; the destructor calls it.
  void stop();

  // Returns the jobs submitted and not yet finished (queued or running).
  std::size_t pending() const;

  // Caps how many jobs run at once across the pool; 0 (the default) leaves only the threads as the
  // cap. A job picked up while the cap is reached waits, already dequeued, for a running one to
  // finish. The tuner's "pool_concurrency" knob (optimizer/standard_components.h) sets this.
  void set_concurrency_limit(std::size_t limit);
  std::size_t concurrency_limit() const;
  // Returns the jobs running now.
  std::size_t running() const;
  // Returns the number of workers.
  std::size_t size() const { return workers_.size(); }
  // The pool's balancer: its snapshot(), health probe, event listener.
  LoadBalancer& balancer() { return balancer_; }
  const LoadBalancer& balancer() const { return balancer_; }

 private:
  struct Queued {
    std::unique_ptr<pool_detail::Task> task;
    Assignment assignment;
  };
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<Queued> queue;  // guarded by mu
    bool stopping = false;     // guarded by mu
    std::vector<std::thread> threads;
  };

  void enqueue(std::unique_ptr<pool_detail::Task> task, std::string_view key);
  void serve(std::uint32_t index);
  void probe_loop(std::chrono::milliseconds interval);

  LoadBalancer balancer_;  // declared first: outlives every Assignment the workers hold
  std::vector<std::unique_ptr<Worker>> workers_;

  mutable std::mutex mu_;
  std::condition_variable cv_;         // a job finished, or stop began or ended
  std::condition_variable probe_cv_;   // stop began (wakes the probe thread)
  std::size_t pending_ = 0;            // guarded by mu_
  std::size_t running_ = 0;            // guarded by mu_
  std::size_t concurrency_limit_ = 0;  // guarded by mu_; 0 = none
  std::uint64_t completions_ = 0;      // guarded by mu_; lets a full submitter wait for a change
  bool stopping_ = false;              // guarded by mu_
  bool stopped_ = false;               // guarded by mu_; every thread joined
  std::thread probe_thread_;
};

}  // namespace opusperf
