// The interface every policy of the trace-driven cache simulator implements, Caffeine-simulator
// style: the simulator hands a policy one request at a time and counts the hits.
//
//   std::unique_ptr<SimPolicy> p = make_policy("arc", /*capacity=*/1000, trace);
//   for (std::uint64_t key : trace) hits += p->access(key);
//
// Every object has size 1 and capacity counts entries. A policy keeps its own bookkeeping (lists,
// ghosts, sketches); on a miss it decides alone whether to admit the key and what to evict.
//
// Thread-safety: none; one policy instance is driven by one thread. Cost: each policy states its
// own, all O(1) or O(log capacity) amortised per access.
#pragma once

#include <cstdint>
#include <string_view>

namespace opusperf::bench::cachesim {

class SimPolicy {
 public:
  SimPolicy() = default;
  SimPolicy(const SimPolicy&) = delete;
  SimPolicy& operator=(const SimPolicy&) = delete;
  virtual ~SimPolicy() = default;

  // Returns the policy's registered name ("lru", "arc", ...).
  virtual std::string_view name() const = 0;

  // Records a request for `key`. Returns true on a hit (the key was resident). On a miss the policy
  // admits or rejects the key and evicts as it decides; resident entries never exceed capacity.
  virtual bool access(std::uint64_t key) = 0;
};

}  // namespace opusperf::bench::cachesim
