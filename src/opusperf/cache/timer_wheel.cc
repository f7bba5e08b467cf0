#include "opusperf/cache/timer_wheel.h"

#include <algorithm>

namespace opusperf::cache {

TimerWheel::TimerWheel(std::int64_t now_ns) : now_ns_(now_ns) {
  for (int level = 0; level < kLevels; ++level) {
    wheel_[level].resize(kBuckets[level]);
    for (PolicyNode& sentinel : wheel_[level]) {
      sentinel.timer_prev = sentinel.timer_next = &sentinel;
    }
  }
}

void TimerWheel::link(PolicyNode* sentinel, PolicyNode* n) {
  n->timer_prev = sentinel->timer_prev;
  n->timer_next = sentinel;
  sentinel->timer_prev->timer_next = n;
  sentinel->timer_prev = n;
}

void TimerWheel::unlink(PolicyNode* n) {
  n->timer_prev->timer_next = n->timer_next;
  n->timer_next->timer_prev = n->timer_prev;
  n->timer_prev = n->timer_next = nullptr;
}

PolicyNode* TimerWheel::bucket_for(std::int64_t expires_ns) {
  // The finest level whose next coarser span covers the remaining time; times already passed go
  // to the current level-0 bucket, which comes due at the next tick.
  const std::int64_t remaining = expires_ns - now_ns_;
  for (int level = 0; level < kLevels - 1; ++level) {
    if (remaining < (std::int64_t{1} << kShift[level + 1])) {
      const std::int64_t ticks = std::max(expires_ns, now_ns_) >> kShift[level];
      return &wheel_[level][static_cast<std::size_t>(ticks & (kBuckets[level] - 1))];
    }
  }
  return &wheel_[kLevels - 1][0];
}

void TimerWheel::schedule(PolicyNode* n) {
  link(bucket_for(n->expires_ns), n);
  ++size_;
}

void TimerWheel::deschedule(PolicyNode* n) {
  if (!scheduled(n)) return;
  unlink(n);
  --size_;
}

void TimerWheel::advance(std::int64_t now_ns, std::vector<PolicyNode*>& expired) {
  const std::int64_t previous = now_ns_;
  if (now_ns <= previous) return;
  now_ns_ = now_ns;
  for (int level = 0; level < kLevels; ++level) {
    const std::int64_t previous_ticks = previous >> kShift[level];
    const std::int64_t delta = (now_ns >> kShift[level]) - previous_ticks;
    if (delta <= 0) break;  // coarser levels cannot have come due either
    expire_level(level, previous_ticks, delta, expired);
  }
}

void TimerWheel::expire_level(int level, std::int64_t previous_ticks, std::int64_t delta,
                              std::vector<PolicyNode*>& expired) {
  std::vector<PolicyNode>& buckets = wheel_[level];
  const std::int64_t mask = kBuckets[level] - 1;
  // Every bucket from the previous tick's up to the current one (all of them after a long gap).
  const std::int64_t steps = std::min<std::int64_t>(delta + 1, kBuckets[level]);
  for (std::int64_t i = 0; i < steps; ++i) {
    PolicyNode* sentinel = &buckets[static_cast<std::size_t>((previous_ticks + i) & mask)];
    PolicyNode* n = sentinel->timer_next;
    sentinel->timer_prev = sentinel->timer_next = sentinel;
    while (n != sentinel) {
      PolicyNode* next = n->timer_next;
      n->timer_prev = n->timer_next = nullptr;
      if (n->expires_ns <= now_ns_) {
        --size_;
        expired.push_back(n);
      } else {
        link(bucket_for(n->expires_ns), n);  // not yet: move to a finer (or the same) bucket
      }
      n = next;
    }
  }
}

}  // namespace opusperf::cache
