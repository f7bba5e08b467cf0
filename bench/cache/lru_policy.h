// `lru`: least-recently-used eviction, the baseline every other policy is measured against.
//
// Thread-safety: none (SimPolicy). Cost: O(1) expected per access.
#pragma once

#include <cstddef>

#include "bench/cache/keyed_list.h"
#include "bench/cache/sim_policy.h"

namespace opusperf::bench::cachesim {

class LruPolicy final : public SimPolicy {
 public:
  // REQUIRES: capacity >= 1.
  explicit LruPolicy(std::size_t capacity);

  std::string_view name() const override { return "lru"; }
  bool access(std::uint64_t key) override;

 private:
  const std::size_t capacity_;
  KeyedList<> list_;  // front: most recently used
};

}  // namespace opusperf::bench::cachesim
