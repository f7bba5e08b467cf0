#include "opusperf/server/connection_threads.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <stdexcept>

namespace opusperf {

ConnectionThreads::ConnectionThreads(std::size_t threads, std::size_t max_queued)
    : max_queued_(max_queued) {
  if (threads == 0 || max_queued == 0) {
    throw std::invalid_argument("ConnectionThreads: threads and max_queued must be at least 1");
  }
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { run(); });
}

ConnectionThreads::~ConnectionThreads() {
  shutdown();
}

void ConnectionThreads::enqueue(std::function<void()> fn) {
  std::unique_lock lock(mu_);
  not_full_.wait(lock, [this] { return queue_.size() < max_queued_ || shutting_down_; });
  queue_.push_back(std::move(fn));
  lock.unlock();
  not_empty_.notify_one();
}

void ConnectionThreads::shutdown() {
  {
    std::lock_guard lock(mu_);
    if (shutting_down_ && threads_.empty()) return;
    shutting_down_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void ConnectionThreads::run() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      not_empty_.wait(lock, [this] { return !queue_.empty() || shutting_down_; });
      if (queue_.empty()) return;  // shutting down with nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    not_full_.notify_one();
    try {
      task();
    } catch (const std::exception& e) {
      // cpp-httplib handles a connection's errors itself; anything that escapes is logged, and the
      // thread stays for the next connection.
      spdlog::warn("monitoring server: a connection failed: {}", e.what());
    }
  }
}

}  // namespace opusperf
