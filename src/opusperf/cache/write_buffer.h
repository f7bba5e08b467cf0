// BoundedWriteBuffer: a fixed-size multi-producer queue of SmartCache's write events (entry added,
// removed, updated), applied to the eviction policy in batches by whoever holds the policy lock.
// Dmitry Vyukov's bounded MPMC queue: each cell carries a sequence number, so producers claim
// cells with one CAS and never wait for each other. Unlike the read buffer it never drops: when it
// is full, offer() fails and the writer applies the backlog itself under the lock.
//
// Thread-safety: offer() from any thread; drain() from one thread at a time. Cost: one CAS and two
// stores per offer.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "opusperf/cache/false_sharing.h"

namespace opusperf::cache {

template <class T>
class BoundedWriteBuffer {
 public:
  // REQUIRES: capacity is a power of two >= 2. T is trivially copyable.
  explicit BoundedWriteBuffer(std::size_t capacity)
      : mask_(capacity - 1), cells_(std::make_unique<Cell[]>(capacity)) {
    for (std::size_t i = 0; i < capacity; ++i)
      cells_[i].sequence.store(i, std::memory_order_relaxed);
  }
  BoundedWriteBuffer(const BoundedWriteBuffer&) = delete;
  BoundedWriteBuffer& operator=(const BoundedWriteBuffer&) = delete;

  // Appends v. Returns false (and appends nothing) when the buffer is full.
  bool offer(const T& v) {
    std::size_t pos = enqueue_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::ptrdiff_t>(seq) - static_cast<std::ptrdiff_t>(pos);
      if (diff == 0) {
        if (enqueue_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          cell.value = v;
          cell.sequence.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = enqueue_.load(std::memory_order_relaxed);
      }
    }
  }

  // Calls f(const T&) for each queued value in order and removes it. Returns false if it stopped
  // at a cell a producer has claimed but not yet filled.
  template <class F>
  bool drain(F&& f) {
    std::size_t pos = dequeue_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      const std::size_t seq = cell.sequence.load(std::memory_order_acquire);
      if (seq != pos + 1) {
        dequeue_.store(pos, std::memory_order_relaxed);
        return enqueue_.load(std::memory_order_acquire) == pos;  // else claimed, not filled
      }
      const T v = cell.value;
      cell.sequence.store(pos + mask_ + 1, std::memory_order_release);
      ++pos;
      f(v);
    }
  }

 private:
  struct Cell {
    std::atomic<std::size_t> sequence{0};
    T value{};
  };

  const std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(kFalseSharingRange) std::atomic<std::size_t> enqueue_{0};
  alignas(kFalseSharingRange) std::atomic<std::size_t> dequeue_{0};
};

}  // namespace opusperf::cache
