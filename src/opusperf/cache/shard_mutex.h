// ShardMutex: the lock of one SmartCache shard. Critical sections under it are short (a probe of
// the shard's table and a few stores; now and then an allocation or a table rebuild), and writers
// of hot keys meet on the same shard, so a waiter first spins briefly: a std::mutex would put it to
// sleep in the kernel at once, and the sleep and the wake-up cost microseconds, many times the
// critical section. After kSpins polls it sleeps on the lock word (std::atomic::wait, a futex on
// Linux), so a waiter whose holder was preempted does not burn its core.
//
// The lock word follows Drepper's "Futexes Are Tricky" mutex: 0 free, 1 held, 2 held with
// (possible) sleepers; unlock() wakes one sleeper only in state 2.
//
// Thread-safety: a mutex (Lockable). Cost: uncontended lock and unlock are one atomic
// read-modify-write each.
#pragma once

#include <atomic>
#include <cstdint>

namespace opusperf::cache {

// A hint to the CPU that the caller is spinning on a lock word.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class ShardMutex {
 public:
  ShardMutex() = default;
  ShardMutex(const ShardMutex&) = delete;
  ShardMutex& operator=(const ShardMutex&) = delete;

  void lock() {
    if (!try_lock()) lock_slow();
  }
  bool try_lock() {
    std::uint32_t expected = kFree;
    return state_.compare_exchange_strong(expected, kHeld, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  void unlock() {
    if (state_.exchange(kFree, std::memory_order_release) == kSleepers) state_.notify_one();
  }

 private:
  static constexpr std::uint32_t kFree = 0;
  static constexpr std::uint32_t kHeld = 1;
  static constexpr std::uint32_t kSleepers = 2;
  // About a microsecond of polling: several times the usual critical section.
  static constexpr int kSpins = 100;

  void lock_slow() {
    for (int i = 0; i < kSpins; ++i) {
      cpu_relax();
      // Poll with a load, so waiters do not take the line from the holder.
      if (state_.load(std::memory_order_relaxed) == kFree && try_lock()) return;
    }
    // Mark the lock as having sleepers before sleeping; whoever takes it this way keeps the mark,
    // so its unlock() wakes the next sleeper (a spurious wake-up at worst).
    while (state_.exchange(kSleepers, std::memory_order_acquire) != kFree) {
      state_.wait(kSleepers, std::memory_order_relaxed);
    }
  }

  std::atomic<std::uint32_t> state_{kFree};
};

}  // namespace opusperf::cache
