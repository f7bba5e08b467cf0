#include "opusperf/balance/worker_pool.h"

#include <fmt/format.h>

#include <stdexcept>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

const WorkerPoolOptions& checked(const WorkerPoolOptions& o) {
  if (o.workers < 1) throw std::invalid_argument("WorkerPool: workers must be at least 1");
  if (o.threads_per_worker < 1) {
    throw std::invalid_argument("WorkerPool: threads_per_worker must be at least 1");
  }
  if (!o.weights.empty() && o.weights.size() != o.workers) {
    throw std::invalid_argument(
        fmt::format("WorkerPool: {} weights given for {} workers", o.weights.size(), o.workers));
  }
  if (o.probe_interval.count() < 0) {
    throw std::invalid_argument("WorkerPool: probe_interval must be >= 0");
  }
  return o;
}

}  // namespace

WorkerPool::WorkerPool(WorkerPoolOptions options, Registry& metrics, Clock& clock)
    : balancer_(checked(options).balancer, metrics, clock) {
  for (std::size_t i = 0; i < options.workers; ++i) {
    balancer_.add_worker({"", options.weights.empty() ? 1.0 : options.weights[i]});
    workers_.push_back(std::make_unique<Worker>());
  }
  try {
    for (std::uint32_t i = 0; i < workers_.size(); ++i) {
      for (std::size_t t = 0; t < options.threads_per_worker; ++t)
        workers_[i]->threads.emplace_back([this, i] { serve(i); });
    }
    if (options.probe_interval.count() > 0) {
      probe_thread_ =
          std::thread([this, interval = options.probe_interval] { probe_loop(interval); });
    }
  } catch (...) {
    stop();  // threads that did start must be joined before the members go
    throw;
  }
}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::enqueue(std::unique_ptr<pool_detail::Task> task, std::string_view key) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) throw RuntimeError("WorkerPool: submit after stop()");
    ++pending_;  // counted before the pick, so stop() waits for this job to be queued and run
  }
  Assignment assignment;
  try {
    for (;;) {
      std::uint64_t seen = 0;
      {
        std::lock_guard lock(mu_);
        if (stopping_) throw RuntimeError("WorkerPool: stopped while waiting for a free worker");
        seen = completions_;
      }
      assignment = key.empty() ? balancer_.pick() : balancer_.pick(key);
      if (assignment) break;
      // Every eligible worker is full. A completion since `seen` may already have freed one; if
      // not, wait for the next (or for stop()).
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return completions_ != seen || stopping_; });
    }
  } catch (...) {
    std::lock_guard lock(mu_);
    --pending_;
    cv_.notify_all();
    throw;
  }
  Worker& w = *workers_[assignment.worker()];
  {
    std::lock_guard lock(w.mu);
    w.queue.push_back({std::move(task), std::move(assignment)});
  }
  w.cv.notify_one();
}

void WorkerPool::serve(std::uint32_t index) {
  Worker& w = *workers_[index];
  for (;;) {
    Queued item;
    {
      std::unique_lock lock(w.mu);
      w.cv.wait(lock, [&] { return w.stopping || !w.queue.empty(); });
      if (w.queue.empty()) return;  // stopping, and nothing left to run
      item = std::move(w.queue.front());
      w.queue.pop_front();
    }
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return concurrency_limit_ == 0 || running_ < concurrency_limit_; });
      ++running_;
    }
    item.task->run(index, item.assignment);
    item = Queued{};  // release the job (and what it captured) before it counts as finished
    {
      std::lock_guard lock(mu_);
      --running_;
      --pending_;
      ++completions_;
    }
    cv_.notify_all();
  }
}

void WorkerPool::probe_loop(std::chrono::milliseconds interval) {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (probe_cv_.wait_for(lock, interval, [this] { return stopping_; })) break;
    lock.unlock();
    balancer_.run_health_probes();
    lock.lock();
  }
}

void WorkerPool::set_concurrency_limit(std::size_t limit) {
  {
    std::lock_guard lock(mu_);
    concurrency_limit_ = limit;
  }
  cv_.notify_all();  // a raised cap lets waiting jobs start
}

std::size_t WorkerPool::concurrency_limit() const {
  std::lock_guard lock(mu_);
  return concurrency_limit_;
}

std::size_t WorkerPool::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

void WorkerPool::drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return pending_ == 0; });
}

void WorkerPool::stop() {
  {
    std::unique_lock lock(mu_);
    if (stopping_) {  // another caller is stopping the pool (or has): wait for it to finish
      cv_.wait(lock, [this] { return stopped_; });
      return;
    }
    stopping_ = true;
    cv_.notify_all();  // wakes submitters waiting for capacity
    probe_cv_.notify_all();
    cv_.wait(lock, [this] { return pending_ == 0; });
  }
  if (probe_thread_.joinable()) probe_thread_.join();
  for (const auto& w : workers_) {
    {
      std::lock_guard lock(w->mu);
      w->stopping = true;
    }
    w->cv.notify_all();
  }
  for (const auto& w : workers_) {
    for (std::thread& t : w->threads)
      t.join();
  }
  std::lock_guard lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

std::size_t WorkerPool::pending() const {
  std::lock_guard lock(mu_);
  return pending_;
}

}  // namespace opusperf
