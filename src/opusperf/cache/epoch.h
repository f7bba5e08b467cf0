// Epoch-based reclamation: lets SmartCache's readers walk its hash table and read entries without
// any lock, while writers unlink entries and free them only once no reader can still hold them.
//
//   { EpochGuard guard;                 // a reader pins the current epoch
//     Node* n = table.find(key); ... }  // n stays valid until the guard ends
//   // a writer, after unlinking n:
//   retired.push_back({n, epochs().current()});
//   ... later: if (epochs().reclaimable(retire_epoch)) delete n;
//
// One process-wide domain serves every cache. Each thread gets a record (two cache lines, see
// false_sharing.h) the first time it pins; pinning stores the global epoch there, unpinning clears
// it. The epoch advances only when every pinned thread has seen the current one, so an object
// retired at epoch e is safe to free once the epoch reaches e + 2 (every reader that could have
// seen it has unpinned since).
//
// Ordering: a reader's pin must be visible before its later loads of shared pointers, against a
// reclaimer's scan of the records (a store-load order). Where Linux's membarrier(2) is available
// (and not under ThreadSanitizer, which cannot see it), the reader pins with a plain store and the
// reclaimer, which runs rarely, issues membarrier(PRIVATE_EXPEDITED) before scanning, which puts a
// full barrier in every running thread of the process (the asymmetric scheme of userspace RCU);
// elsewhere the reader's pin is a sequentially consistent store.
//
// Thread-safety: all of it. Cost: pin is a thread-local lookup and a store to the thread's own
// cache line (no atomic read-modify-write with membarrier; one xchg without); unpin one store.
// try_advance() reads every thread's record (O(threads)) after one membarrier system call.
#pragma once

#include <atomic>
#include <cstdint>

#include "opusperf/cache/false_sharing.h"

namespace opusperf::cache {

class EpochDomain {
 public:
  // The process-wide domain: constant-initialised and trivially destructible, so usable from any
  // static initialiser and by threads that outlive static destruction.
  static EpochDomain& global();

  EpochDomain() = default;
  EpochDomain(const EpochDomain&) = delete;
  EpochDomain& operator=(const EpochDomain&) = delete;

  // Returns the current global epoch (>= 1).
  std::uint64_t current() const { return epoch_.load(std::memory_order_seq_cst); }
  // Advances the epoch if every pinned thread has seen the current one. Returns the epoch after.
  std::uint64_t try_advance();
  // Returns whether readers pin with a plain store (membarrier(2) registered for the process).
  static bool asymmetric() { return asymmetric_.load(std::memory_order_relaxed); }
  // Used once by epoch.cc's static initialiser; not for other callers.
  static void enable_asymmetric(bool on) { asymmetric_.store(on, std::memory_order_relaxed); }
  // Returns whether an object retired at `retire_epoch` can be freed now.
  bool reclaimable(std::uint64_t retire_epoch) const { return current() >= retire_epoch + 2; }

  // The calling thread's small, dense index (0, 1, 2, ... in order of first use; reused after a
  // thread exits). Used to pick stripes of per-thread buffers and counters.
  static std::uint32_t thread_index() { return thread_record().index; }

  // Per-thread state; public only for EpochGuard.
  struct alignas(kFalseSharingRange) Record {
    std::atomic<std::uint64_t> pinned{0};  // epoch seen at pin time; 0 = not pinned
    std::atomic<bool> in_use{false};
    std::uint32_t depth = 0;  // nesting of guards; touched only by the owning thread
    std::uint32_t index = 0;
    Record* next = nullptr;  // immutable once published
  };
  // Returns the calling thread's record, acquiring one on first use.
  static Record& thread_record() {
    Record* r = t_record;
    return r != nullptr ? *r : acquire_thread_record();
  }

 private:
  friend class EpochGuard;
  struct ThreadOwner;  // gives the record back when its thread exits
  static Record& acquire_thread_record();
  static inline constinit thread_local Record* t_record = nullptr;
  // Set once, during static initialisation of epoch.cc, when membarrier registration succeeds.
  static inline constinit std::atomic<bool> asymmetric_{false};

  std::atomic<std::uint64_t> epoch_{1};
  std::atomic<Record*> records_{nullptr};
  std::atomic<std::uint32_t> next_index_{0};
};

namespace detail {
inline constinit EpochDomain global_epoch_domain;
}  // namespace detail

inline EpochDomain& EpochDomain::global() {
  return detail::global_epoch_domain;
}

// Pins the calling thread in the global domain for its lifetime. Nestable. Not copyable.
class EpochGuard {
 public:
  EpochGuard() : record_(EpochDomain::thread_record()) {
    if (record_.depth++ == 0) {
      // The pin must be ordered before this thread's later loads of shared pointers, against a
      // reclaimer's scan of the records (see "Ordering" above).
      // REQUIRES (of callers): not used from thread_local destructors.
      const std::uint64_t e = EpochDomain::global().epoch_.load(std::memory_order_acquire);
      if (EpochDomain::asymmetric()) {
        record_.pinned.store(e, std::memory_order_relaxed);
        std::atomic_signal_fence(std::memory_order_seq_cst);  // the compiler keeps the order
      } else {
        record_.pinned.store(e, std::memory_order_seq_cst);
      }
    }
  }
  ~EpochGuard() {
    if (--record_.depth == 0) record_.pinned.store(0, std::memory_order_release);
  }
  EpochGuard(const EpochGuard&) = delete;
  EpochGuard& operator=(const EpochGuard&) = delete;

  // The calling thread's EpochDomain::thread_index(), without another thread-local lookup.
  std::uint32_t thread_index() const { return record_.index; }

 private:
  EpochDomain::Record& record_;
};

}  // namespace opusperf::cache
