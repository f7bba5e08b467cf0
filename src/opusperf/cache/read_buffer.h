// StripedReadBuffer: where SmartCache's hits record "this entry was read" without taking a lock,
// to be replayed into the eviction policy later in a batch (Caffeine's striped read buffer).
//
// One small ring per thread, picked by the thread's dense epoch index (epoch.h): a ring has a
// single producer, its thread, so recording is two loads and two plain stores on lines that thread
// owns (no atomic read-modify-write), and a single consumer, the holder of the cache's policy lock.
// Lossy by design: a record is dropped when its ring is full (the consumer is busy or not yet
// run), and threads beyond the first kRings concurrent ones do not record at all; the policy loses
// a little accuracy under heavy load, and a reader never waits.
//
// offer() also says when a ring has just become half full, so the owner can drain before any ring
// is full: CacheCore lets the thread that drained last drain at half, the others only when full,
// which keeps the policy's data in one core's cache while that thread keeps reading.
//
// Thread-safety: offer() from any thread; drain() from one thread at a time.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "opusperf/cache/false_sharing.h"

namespace opusperf::cache {

template <class T>
class StripedReadBuffer {
 public:
  static constexpr std::uint32_t kRings = 64;
  // 64, not Caffeine's 16: each drain moves the policy's lines (lock, queue ends, counters) to the
  // draining core, a cost paid per drain rather than per record.
  static constexpr std::uint32_t kRingSize = 64;

  // kAddedHalfFull: added, and the ring now holds exactly kRingSize / 2 records.
  enum class Offer { kAdded, kAddedHalfFull, kFull, kNoRing };

  StripedReadBuffer() : rings_(std::make_unique<Ring[]>(kRings)) {}
  StripedReadBuffer(const StripedReadBuffer&) = delete;
  StripedReadBuffer& operator=(const StripedReadBuffer&) = delete;

  // Records p in the ring of the calling thread, whose epoch index is `thread_index`. Returns
  // kAdded, or why it was dropped. REQUIRES: thread_index is the caller's own index.
  Offer offer(std::uint32_t thread_index, T* p) {
    if (thread_index >= kRings) return Offer::kNoRing;
    if (thread_index >= rings_used_.load(std::memory_order_relaxed)) [[unlikely]] {
      note_ring(thread_index);
    }
    Ring& r = rings_[thread_index];
    const std::uint32_t tail = r.tail.load(std::memory_order_relaxed);  // only we write it
    const std::uint32_t size = tail - r.head.load(std::memory_order_acquire);
    if (size >= kRingSize) return Offer::kFull;
    r.slots[tail & (kRingSize - 1)].store(p, std::memory_order_relaxed);
    r.tail.store(tail + 1, std::memory_order_release);  // publishes the slot
    return size + 1 == kRingSize / 2 ? Offer::kAddedHalfFull : Offer::kAdded;
  }

  // Calls f(T*) for every record, oldest first per ring, and empties the rings. Looks only at the
  // rings offered to so far: a drain touches two lines per thread that records, not the 128 lines
  // of every ring's head and tail.
  template <class F>
  void drain(F&& f) {
    const std::uint32_t rings = rings_used_.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < rings; ++i) {
      Ring& r = rings_[i];
      std::uint32_t head = r.head.load(std::memory_order_relaxed);
      const std::uint32_t tail = r.tail.load(std::memory_order_acquire);
      if (head == tail) continue;
      for (; head != tail; ++head)
        f(r.slots[head & (kRingSize - 1)].load(std::memory_order_relaxed));
      r.head.store(head, std::memory_order_release);  // frees the slots
    }
  }

 private:
  struct Ring {
    alignas(kFalseSharingRange) std::atomic<std::uint32_t> head{0};  // written by the consumer
    alignas(kFalseSharingRange) std::atomic<std::uint32_t> tail{0};  // written by the producer
    std::array<std::atomic<T*>, kRingSize> slots{};
  };

  // Raises rings_used_ above i, before the first record in ring i is published.
  void note_ring(std::uint32_t i) {
    std::uint32_t used = rings_used_.load(std::memory_order_relaxed);
    while (used <= i && !rings_used_.compare_exchange_weak(used, i + 1, std::memory_order_release,
                                                           std::memory_order_relaxed)) {
    }
  }

  std::unique_ptr<Ring[]> rings_;
  // One more than the highest ring index offered to; read by every offer, written once per ring.
  std::atomic<std::uint32_t> rings_used_{0};
};

}  // namespace opusperf::cache
