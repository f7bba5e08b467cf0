#include "bench/cache/s3fifo_policy.h"

#include <algorithm>
#include <stdexcept>

namespace opusperf::bench::cachesim {
namespace {

constexpr std::uint8_t kMaxFreq = 3;  // the 2-bit counter

std::size_t small_share(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("S3FifoPolicy: capacity must be at least 1");
  // One entry at least, so a one-hit wonder never needs to pass through M; with capacity 1, S is
  // the whole cache and M is empty.
  return std::max<std::size_t>(1, capacity / 10);
}

}  // namespace

S3FifoPolicy::S3FifoPolicy(std::size_t capacity)
    : capacity_(capacity),
      small_capacity_(small_share(capacity)),
      main_capacity_(capacity - small_capacity_) {}

bool S3FifoPolicy::access(std::uint64_t key) {
  std::uint8_t* freq = small_.find(key);
  if (freq == nullptr) freq = main_.find(key);
  if (freq != nullptr) {
    *freq = std::min<std::uint8_t>(*freq + 1, kMaxFreq);
    return true;
  }
  while (small_.size() + main_.size() >= capacity_)
    evict();
  if (ghost_.erase(key) && main_capacity_ > 0) {
    main_.push_front(key, 0);
  } else {
    small_.push_front(key, 0);
  }
  return false;
}

void S3FifoPolicy::evict() {
  if (main_.size() > main_capacity_ || small_.empty()) {
    evict_main();
  } else {
    evict_small();
  }
}

void S3FifoPolicy::evict_small() {
  while (!small_.empty()) {
    const auto oldest = small_.pop_back();
    if (oldest.value >= kMoveToMainHits && main_capacity_ > 0) {
      // Promotion may leave M over its share for a moment; the next evict() trims M first.
      main_.push_front(oldest.key, 0);
      continue;
    }
    if (main_capacity_ > 0) {
      if (ghost_.size() >= main_capacity_) ghost_.pop_back();
      ghost_.push_front(oldest.key);
    }
    return;
  }
}

void S3FifoPolicy::evict_main() {
  while (!main_.empty()) {
    auto& oldest = main_.back();
    if (oldest.value == 0) {
      main_.pop_back();
      return;
    }
    --oldest.value;
    main_.move_back_to_front();
  }
}

}  // namespace opusperf::bench::cachesim
