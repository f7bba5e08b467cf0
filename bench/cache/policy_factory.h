// The simulator's policies by name, as `opusperf bench cache --policy` accepts them.
//
//   for (std::string_view name : policy_names()) ...      // "lru", "arc", ..., "smart" when built
//   std::unique_ptr<SimPolicy> p = make_policy("wtinylfu", 1000, trace);
//
// `belady` is offline and reads the trace it will be driven with; the others ignore `trace`.
// `smart` is present only when the simulator is built with src/opusperf/cache
// (OPUSPERF_HAVE_SMART_CACHE).
//
// Thread-safety: free functions over constant tables; policies they return are single-threaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "bench/cache/sim_policy.h"

namespace opusperf::bench::cachesim {

// Returns every policy name make_policy accepts, in the order the CLI lists them.
std::span<const std::string_view> policy_names();

// Throws InputError "unknown cache policy 'X' (did you mean 'Y'?); policies: ..." unless `name` is
// one of policy_names().
void check_policy_name(std::string_view name);

// Largest capacity a policy accepts: 2^30 entries (the wtinylfu sketch alone then takes 4 GiB).
inline constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;

// Throws InputError "capacity N is out of range 1..2^30" unless 1 <= capacity <= kMaxCapacity.
void check_capacity(std::size_t capacity);

// Returns a new policy `name` holding at most `capacity` entries, to be driven with `trace`.
// REQUIRES: check_capacity(capacity) passes (else InputError); for "belady", `trace` is the exact
// sequence of keys access() will receive and outlives the policy. Throws InputError for an unknown
// name.
std::unique_ptr<SimPolicy> make_policy(std::string_view name, std::size_t capacity,
                                       std::span<const std::uint64_t> trace);

}  // namespace opusperf::bench::cachesim
