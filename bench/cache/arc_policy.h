// `arc`: Adaptive Replacement Cache (Megiddo & Modha, FAST 2003), as the paper's Figure 4 states
// it.
//
// Two resident LRU lists, T1 (seen once recently) and T2 (seen at least twice), and their ghost
// lists B1 and B2 (keys only). A hit in a ghost list moves the target size p of T1: towards recency
// on a B1 hit, towards frequency on a B2 hit. Ghosts plus residents hold at most 2 * capacity keys.
//
// Thread-safety: none (SimPolicy). Cost: O(1) expected per access.
#pragma once

#include <cstddef>

#include "bench/cache/keyed_list.h"
#include "bench/cache/sim_policy.h"

namespace opusperf::bench::cachesim {

class ArcPolicy final : public SimPolicy {
 public:
  // REQUIRES: capacity >= 1.
  explicit ArcPolicy(std::size_t capacity);

  std::string_view name() const override { return "arc"; }
  bool access(std::uint64_t key) override;

  // Returns the current target size of T1 (0 <= p <= capacity); exposed for tests.
  double target_recency_size() const { return p_; }

 private:
  // The paper's REPLACE(x, p): demotes the LRU of T1 or of T2 to its ghost list.
  void replace(bool hit_in_b2);

  const std::size_t c_;
  double p_ = 0;
  KeyedList<> t1_, t2_, b1_, b2_;  // front: MRU
};

}  // namespace opusperf::bench::cachesim
