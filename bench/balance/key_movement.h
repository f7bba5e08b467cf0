// Key movement of the consistent_hash policy when a worker joins: the share of keys that change
// worker, measured on the real LoadBalancer (`opusperf bench balance` reports it for the
// scenario's worker count whenever consistent_hash runs).
//
//   KeyMovement m = measure_key_movement(/*workers=*/8, /*keys=*/100000);
//   m.moved_fraction;   // about 1/9 for a ninth worker; the ideal is exactly the newcomer's share
//
// Keys "key-0", "key-1", ... are placed with get_next_worker(key) (no load, so bounded loads do
// not intervene), a worker is added, and the keys are placed again.
//
// Thread-safety: a pure function. Cost: two placements of every key (about 0.3 µs a key).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

namespace opusperf::bench::balancesim {

struct KeyMovement {
  std::size_t workers_before = 0;
  std::uint64_t keys = 0;
  std::uint64_t moved = 0;            // keys whose worker changed
  std::uint64_t moved_elsewhere = 0;  // of those, keys that moved to an old worker (ideally 0)
  double moved_fraction = 0.0;
  double bound = 0.0;  // the acceptance bound: 1 / workers_before + 5%
};

// REQUIRES: workers >= 1, keys >= 1.
KeyMovement measure_key_movement(std::size_t workers, std::uint64_t keys);

// Returns {"workers_before", "workers_after", "keys", "moved", "moved_to_old_workers",
// "moved_fraction", "bound"}.
nlohmann::json to_json(const KeyMovement& m);

}  // namespace opusperf::bench::balancesim
