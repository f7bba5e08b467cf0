#include "bench/cache/wtinylfu_policy.h"

#include <algorithm>
#include <stdexcept>

namespace opusperf::bench::cachesim {
namespace {

std::size_t window_share(std::size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("WTinyLfuPolicy: capacity must be at least 1");
  // Caffeine's split: main = floor(99% of capacity), the window the rest (so at least one entry).
  const auto main = static_cast<std::size_t>((1.0 - WTinyLfuPolicy::kWindowShare) *
                                             static_cast<double>(capacity));
  return std::max<std::size_t>(1, capacity - main);
}

}  // namespace

WTinyLfuPolicy::WTinyLfuPolicy(std::size_t capacity)
    : capacity_(capacity),
      window_capacity_(window_share(capacity)),
      protected_capacity_(static_cast<std::size_t>(
          kProtectedShareOfMain * static_cast<double>(capacity - window_capacity_))),
      sketch_(capacity, kSampleSizePerEntry * capacity) {}

bool WTinyLfuPolicy::access(std::uint64_t key) {
  sketch_.increment(key);
  if (window_.move_to_front(key) || protected_.move_to_front(key)) return true;
  if (probation_.erase(key)) {
    protected_.push_front(key);
    if (protected_.size() > protected_capacity_) probation_.push_front(protected_.pop_back().key);
    return true;
  }
  window_.push_front(key);
  evict_from_window();
  return false;
}

void WTinyLfuPolicy::evict_from_window() {
  if (window_.size() <= window_capacity_) return;
  const std::uint64_t candidate = window_.pop_back().key;
  if (window_.size() + probation_.size() + protected_.size() < capacity_) {
    probation_.push_front(candidate);  // room to spare: no contest
    return;
  }
  // The main area is full; its victim is probation's LRU (or protected's when probation is empty).
  KeyedList<>& victims = probation_.empty() ? protected_ : probation_;
  if (victims.empty()) return;  // capacity == window: the candidate simply leaves
  const std::uint64_t victim = victims.back().key;
  if (sketch_.estimate(candidate) > sketch_.estimate(victim)) {
    victims.pop_back();
    probation_.push_front(candidate);
  }
}

}  // namespace opusperf::bench::cachesim
