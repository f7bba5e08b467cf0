#include "bench/cache/lru_policy.h"

#include <stdexcept>

namespace opusperf::bench::cachesim {

LruPolicy::LruPolicy(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0) throw std::invalid_argument("LruPolicy: capacity must be at least 1");
}

bool LruPolicy::access(std::uint64_t key) {
  if (list_.move_to_front(key)) return true;
  if (list_.size() >= capacity_) list_.pop_back();
  list_.push_front(key);
  return false;
}

}  // namespace opusperf::bench::cachesim
