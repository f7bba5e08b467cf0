// WTinyLfuPolicy: the eviction and admission policy behind SmartCache. Window TinyLFU (Einziger,
// Friedman, Manes) with an adaptive window, as Caffeine does it:
//
//   new entry -> [ window LRU ] --overflow--> candidate --admit?--> [ probation | protected ] main
//                                                          (SLRU)
//
// A new entry enters the window. When the window overflows, its least recent entry becomes a
// candidate for the main area; it is admitted only if the frequency sketch says it is more popular
// than the main area's victim (probation's least recent), so one-hit wonders and scans cannot
// flush the popular entries (see kAdmitMargin in the .cc for the one departure from Caffeine's
// rule). A hit in probation promotes to protected (80% of main). The
// WindowController moves the window/main split while the cache runs.
//
// Capacity has two dimensions, entries and weighted bytes (0 = unlimited); each queue's share
// applies to both.
//
// Thread-safety: none; SmartCache calls it under its policy lock. Cost: O(1) amortised per call
// (eviction work is proportional to the entries evicted; a window resize moves at most 1000
// entries a call).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "opusperf/cache/frequency_sketch.h"
#include "opusperf/cache/policy_node.h"
#include "opusperf/cache/window_controller.h"

namespace opusperf::cache {

struct CacheLimits {
  std::uint64_t max_entries = 1;  // >= 1
  std::uint64_t max_bytes = 0;    // 0 = no byte limit
};

class WTinyLfuPolicy {
 public:
  // REQUIRES: limits.max_entries >= 1; 0 <= window_fraction <= 1; controller != nullptr.
  WTinyLfuPolicy(CacheLimits limits, std::unique_ptr<WindowController> controller,
                 double window_fraction, std::uint64_t seed);
  WTinyLfuPolicy(const WTinyLfuPolicy&) = delete;
  WTinyLfuPolicy& operator=(const WTinyLfuPolicy&) = delete;

  // Admits a new entry into the window and counts a miss. REQUIRES: n->hash and n->weight set;
  // n in no queue.
  void on_add(PolicyNode* n);
  // Records a hit on n: counts it in the sketch and reorders. REQUIRES: n is in a queue.
  void on_access(PolicyNode* n);
  // Unlinks n (removed by the user or expired). REQUIRES: n is in a queue.
  void on_remove(PolicyNode* n);
  // Changes n's weight. REQUIRES: n is in a queue.
  void on_reweigh(PolicyNode* n, std::uint64_t weight);

  // Applies the controller's window adjustment, then evicts until the entries and bytes held are
  // within the limits; each evicted node is unlinked and appended to `evicted`.
  void maintain(std::vector<PolicyNode*>& evicted);

  // Sets new limits; the next maintain() evicts down to them.
  void set_limits(CacheLimits limits);

  CacheLimits limits() const { return limits_; }
  std::uint64_t entries() const;
  std::uint64_t bytes() const;
  // Returns the window's share of max_entries, 0 .. 1.
  double window_fraction() const;
  // Returns the most entries the protected queue may hold now (80% of the main area).
  std::uint64_t protected_capacity() const { return protected_max_; }

 private:
  bool over_capacity() const;
  bool window_over() const;
  bool protected_over() const;
  void set_window_max(std::uint64_t window_max);
  void adapt();
  void demote_protected();
  std::uint64_t evict_from_window();
  void evict_from_main(std::uint64_t candidates, std::vector<PolicyNode*>& evicted);
  void evict(PolicyNode* n, std::vector<PolicyNode*>& evicted);
  bool admit(const PolicyNode* candidate, const PolicyNode* victim);
  AccessQueue& queue_of(const PolicyNode* n);

  CacheLimits limits_;
  std::unique_ptr<WindowController> controller_;
  FrequencySketch sketch_;
  AccessQueue window_, probation_, protected_;
  std::uint64_t window_max_ = 0;     // entries
  std::uint64_t protected_max_ = 0;  // entries
  std::uint64_t rng_;
};

}  // namespace opusperf::cache
