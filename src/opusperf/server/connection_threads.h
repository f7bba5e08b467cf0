// ConnectionThreads: the task queue a MonitoringServer runs its connections on: a fixed number of
// threads and a bounded queue of accepted connections waiting for one (cpp-httplib's own pool has
// an unbounded queue).
//
// enqueue() blocks its caller, the server's accepting thread, while the queue is full, so a flood
// of connections waits in the kernel's listen backlog instead of growing memory; no thread of the
// observed work ever calls it. shutdown() lets the threads finish what is queued, then joins them.
//
// Thread-safety: enqueue() and shutdown() come from the accepting thread (cpp-httplib calls
// shutdown() after its accept loop ends); the worker threads are internal.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace opusperf {

class ConnectionThreads final : public httplib::TaskQueue {
 public:
  // Starts `threads` threads. REQUIRES: threads >= 1, max_queued >= 1.
  ConnectionThreads(std::size_t threads, std::size_t max_queued);
  ~ConnectionThreads() override;
  ConnectionThreads(const ConnectionThreads&) = delete;
  ConnectionThreads& operator=(const ConnectionThreads&) = delete;

  // Queues `fn` to run on a connection thread; waits while max_queued tasks are waiting.
  void enqueue(std::function<void()> fn) override;
  // Runs every queued task, then joins the threads. Idempotent.
  void shutdown() override;

 private:
  void run();

  const std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool shutting_down_ = false;               // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace opusperf
