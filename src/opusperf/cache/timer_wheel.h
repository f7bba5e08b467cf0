// TimerWheel: a hierarchical timer wheel (Varghese & Lauck) that finds the entries whose TTL has
// passed in O(1) amortised time per entry, as Caffeine's expireAfter does.
//
// Five levels of buckets with spans of about 1.07 s, 1.14 min, 1.22 h, 0.8 days and 3.2 days
// (powers of two of nanoseconds); an entry sits in the finest level whose span covers its time to
// live, and moves down a level when a coarser bucket comes due. advance() visits only the buckets
// whose time has passed, so expiry never scans every entry. Nodes are linked intrusively through
// PolicyNode::timer_prev / timer_next; the wheel allocates nothing after construction.
//
// Precision: a bucket comes due when the clock passes its end, so an entry is reported at most one
// level-0 span (about 1.07 s) after its expiry time. SmartCache never returns an expired entry
// regardless (it checks the time on read); the wheel only reclaims them.
//
// Thread-safety: none; SmartCache uses it under its policy lock.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "opusperf/cache/policy_node.h"

namespace opusperf::cache {

class TimerWheel {
 public:
  // `now_ns`: the current time in nanoseconds on the cache's clock.
  explicit TimerWheel(std::int64_t now_ns);
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Links n in the bucket of n->expires_ns. REQUIRES: n is not scheduled; expires_ns != kNever.
  void schedule(PolicyNode* n);
  // Unlinks n if it is scheduled.
  void deschedule(PolicyNode* n);
  // Returns whether n is linked in the wheel.
  static bool scheduled(const PolicyNode* n) { return n->timer_next != nullptr; }

  // Moves the wheel's time to now_ns and appends each node whose expires_ns <= now_ns to
  // `expired`, unlinked. Nodes of buckets that came due but expire later are re-scheduled.
  // REQUIRES: now_ns does not go backwards.
  void advance(std::int64_t now_ns, std::vector<PolicyNode*>& expired);

  // Returns the number of nodes scheduled.
  std::uint64_t size() const { return size_; }

 private:
  static constexpr int kLevels = 5;
  static constexpr std::array<int, kLevels> kBuckets = {64, 64, 32, 4, 1};
  static constexpr std::array<int, kLevels + 1> kShift = {30, 36, 42, 46, 48, 48};

  PolicyNode* bucket_for(std::int64_t expires_ns);
  void expire_level(int level, std::int64_t previous_ticks, std::int64_t delta,
                    std::vector<PolicyNode*>& expired);
  static void link(PolicyNode* sentinel, PolicyNode* n);
  static void unlink(PolicyNode* n);

  std::array<std::vector<PolicyNode>, kLevels> wheel_;  // sentinels of circular lists
  std::int64_t now_ns_;
  std::uint64_t size_ = 0;
};

}  // namespace opusperf::cache
