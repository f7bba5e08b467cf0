#include "bench/cache/arc_policy.h"

#include <algorithm>
#include <stdexcept>

namespace opusperf::bench::cachesim {

ArcPolicy::ArcPolicy(std::size_t capacity) : c_(capacity) {
  if (capacity == 0) throw std::invalid_argument("ArcPolicy: capacity must be at least 1");
}

void ArcPolicy::replace(bool hit_in_b2) {
  const double t1 = static_cast<double>(t1_.size());
  if (!t1_.empty() && (t1 > p_ || (hit_in_b2 && t1 == p_))) {
    b1_.push_front(t1_.pop_back().key);
  } else if (!t2_.empty()) {
    b2_.push_front(t2_.pop_back().key);
  } else {
    b1_.push_front(t1_.pop_back().key);
  }
}

bool ArcPolicy::access(std::uint64_t key) {
  // Case I: a hit in T1 or T2 moves the key to the MRU end of T2.
  if (t2_.move_to_front(key)) return true;
  if (t1_.erase(key)) {
    t2_.push_front(key);
    return true;
  }
  const bool full = t1_.size() + t2_.size() >= c_;
  // Case II: a ghost hit in B1 grows T1's target; the key returns into T2.
  if (b1_.erase(key)) {
    const double delta = b1_.size() + 1 >= b2_.size() ? 1.0
                                                      : static_cast<double>(b2_.size()) /
                                                            static_cast<double>(b1_.size() + 1);
    p_ = std::min(static_cast<double>(c_), p_ + delta);
    if (full) replace(false);
    t2_.push_front(key);
    return false;
  }
  // Case III: a ghost hit in B2 shrinks T1's target.
  if (b2_.erase(key)) {
    const double delta = b2_.size() + 1 >= b1_.size() ? 1.0
                                                      : static_cast<double>(b1_.size()) /
                                                            static_cast<double>(b2_.size() + 1);
    p_ = std::max(0.0, p_ - delta);
    if (full) replace(true);
    t2_.push_front(key);
    return false;
  }
  // Case IV: a key in no list.
  const std::size_t l1 = t1_.size() + b1_.size();
  if (l1 >= c_) {
    if (t1_.size() < c_) {
      b1_.pop_back();
      if (full) replace(false);
    } else {
      t1_.pop_back();  // B1 is empty: T1's LRU leaves without a ghost
    }
  } else if (l1 + t2_.size() + b2_.size() >= c_) {
    if (l1 + t2_.size() + b2_.size() >= 2 * c_) b2_.pop_back();
    if (full) replace(false);
  }
  t1_.push_front(key);
  return false;
}

}  // namespace opusperf::bench::cachesim
