// History<T>: a bounded, time-ordered record of the most recent samples of something (system
// samples, operation figures, tuner decisions).
//
// Keeps at most `capacity` items; pushing onto a full history drops the oldest, so memory stays
// constant however long the service runs (the seed's performance_history_size). Safe to use from
// many threads: push and snapshot take one mutex, held for a copy or a move. Cost: O(1) per push,
// O(size) per snapshot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace opusperf {

template <class T>
class History {
 public:
  // REQUIRES: capacity > 0.
  explicit History(std::size_t capacity) : capacity_(capacity) {
    if (capacity == 0) throw std::invalid_argument("History capacity must be at least 1");
    ring_.reserve(capacity);
  }
  History(const History&) = delete;
  History& operator=(const History&) = delete;

  // Appends `item`, dropping the oldest when full.
  void push(T item) {
    std::lock_guard lock(mu_);
    if (ring_.size() < capacity_) {
      ring_.push_back(std::move(item));
    } else {
      ring_[head_] = std::move(item);
      head_ = (head_ + 1) % capacity_;
    }
    ++total_pushed_;
  }

  // Returns the items held, oldest first.
  std::vector<T> snapshot() const {
    std::lock_guard lock(mu_);
    std::vector<T> out;
    out.reserve(ring_.size());
    for (std::size_t i = 0; i < ring_.size(); ++i)
      out.push_back(ring_[(head_ + i) % ring_.size()]);
    return out;
  }

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return ring_.size();
  }
  // Returns how many items were ever pushed (held + dropped).
  std::uint64_t total_pushed() const {
    std::lock_guard lock(mu_);
    return total_pushed_;
  }

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::vector<T> ring_;
  std::size_t head_ = 0;  // index of the oldest item once the ring is full
  std::uint64_t total_pushed_ = 0;
};

}  // namespace opusperf
