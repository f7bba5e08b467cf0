// The trace-driven cache simulator: replays a trace through policies at several capacities and
// counts hits, the engine behind `opusperf bench cache`.
//
//   std::vector<std::uint64_t> trace = read_trace("gli.txt.gz");
//   for (const SimResult& r : simulate(trace, {"lru", "arc"}, {126, 252}))
//     fmt::print("{} {} {:.3f}\n", r.policy, r.capacity, r.hit_ratio());
//
// Thread-safety: free functions; each run owns its policies. Cost: one pass over the trace a
// (policy, capacity) pair, at the policy's cost per access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/cache/sim_policy.h"

namespace opusperf::bench::cachesim {

struct SimResult {
  std::string policy;
  std::size_t capacity = 0;
  std::uint64_t requests = 0;
  std::uint64_t hits = 0;

  // Returns hits / requests, 0 for an empty trace.
  double hit_ratio() const {
    return requests == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(requests);
  }
};

// Drives `policy` with every key of `trace` in order. Returns the number of hits.
std::uint64_t replay(SimPolicy& policy, std::span<const std::uint64_t> trace);

// Returns one result a (capacity, policy) pair, capacities in the order given and policies in the
// order given within each. Every name and capacity is checked (InputError) before any replay.
std::vector<SimResult> simulate(std::span<const std::uint64_t> trace,
                                std::span<const std::string> policies,
                                std::span<const std::size_t> capacities);

}  // namespace opusperf::bench::cachesim
