// Internal to caching_allocator.cc: the allocator's mutex, a futex lock ("Futexes Are Tricky",
// Drepper, mutex 2) whose uncontended lock and unlock are one inline atomic instruction each.
// std::mutex costs two calls into libpthread per critical section, which was a seventh of the
// allocator's cache-hit path; a waiter sleeps (C++20 atomic wait: a futex on Linux) instead of
// spinning, so contention costs what it costs std::mutex.
//
//   AllocatorMutex mu;
//   std::lock_guard lock(mu);  // BasicLockable
//
// Not recursive; unlock() only by the thread holding it.
#pragma once

#include <atomic>

namespace opusperf::gpu::detail {

class AllocatorMutex {
 public:
  AllocatorMutex() = default;
  AllocatorMutex(const AllocatorMutex&) = delete;
  AllocatorMutex& operator=(const AllocatorMutex&) = delete;

  void lock() {
    int expected = kFree;
    if (state_.compare_exchange_strong(expected, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    lock_contended();
  }
  void unlock() {
    // kLocked -> kFree: nobody waits. kContended: someone may sleep, so wake one.
    if (state_.fetch_sub(1, std::memory_order_release) != kLocked) {
      state_.store(kFree, std::memory_order_release);
      state_.notify_one();
    }
  }

 private:
  static constexpr int kFree = 0;
  static constexpr int kLocked = 1;     // held, no waiter
  static constexpr int kContended = 2;  // held, and threads may be waiting

  [[gnu::noinline]] void lock_contended() {
    // Mark the lock contended before sleeping, so the holder's unlock wakes us.
    while (state_.exchange(kContended, std::memory_order_acquire) != kFree)
      state_.wait(kContended, std::memory_order_relaxed);
  }

  std::atomic<int> state_{kFree};
};

}  // namespace opusperf::gpu::detail
