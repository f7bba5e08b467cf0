// Internal to caching_allocator.cc: the running statistics behind AllocatorStats, kept in the form
// that is cheapest to update on the allocate/free path, and turned into AllocatorStats on demand.
//
//   AllocatorCounters c;
//   c.increase(&CounterSet::allocated_bytes, /*small=*/true, 512);
//   AllocatorStats s = c.snapshot();
//
// A Counter holds the sums of increases and decreases and the peak; its current value is their
// difference. So a decrease is a single add (a Stat's would also update `current`), and an
// increase one add, one subtraction and the peak compare. Each pool's counters are one struct, so
// an update addresses them at constant offsets from the pool's base. Not thread-safe (the
// allocator's mutex guards it).
#pragma once

#include <array>
#include <cstdint>

#include "opusperf/gpu/allocator_stats.h"

namespace opusperf::gpu::detail {

struct Counter {
  std::int64_t allocated = 0;  // sum of every increase
  std::int64_t freed = 0;      // sum of every decrease
  std::int64_t peak = 0;

  void increase(std::int64_t n) {
    allocated += n;
    const std::int64_t now = allocated - freed;
    if (now > peak) peak = now;
  }
  void decrease(std::int64_t n) { freed += n; }
  std::int64_t current() const { return allocated - freed; }
  void reset_peak() { peak = current(); }
  Stat stat() const { return Stat{current(), peak, allocated, freed}; }
};

// The per-pool statistics of AllocatorStats (the same names), for one pool or for all.
struct CounterSet {
  Counter allocation;
  Counter segment;
  Counter active;
  Counter inactive_split;
  Counter allocated_bytes;
  Counter reserved_bytes;
  Counter active_bytes;
  Counter inactive_split_bytes;
  Counter requested_bytes;
};

struct AllocatorCounters {
  std::array<CounterSet, kStatPools> pools;  // indexed by StatPool
  Counter oversize_allocations;
  Counter oversize_segments;
  std::int64_t num_alloc_retries = 0;
  std::int64_t num_ooms = 0;
  std::int64_t num_device_alloc = 0;
  std::int64_t num_device_free = 0;
  std::int64_t max_split_size = -1;

  static StatPool pool(bool small) { return small ? kStatSmallPool : kStatLargePool; }
  // Changes `field` of the small or large pool, and of all.
  void increase(Counter CounterSet::*field, bool small, std::int64_t n) {
    (pools[kStatAll].*field).increase(n);
    (pools[pool(small)].*field).increase(n);
  }
  void decrease(Counter CounterSet::*field, bool small, std::int64_t n) {
    (pools[kStatAll].*field).decrease(n);
    (pools[pool(small)].*field).decrease(n);
  }
  std::int64_t current(Counter CounterSet::*field) const {
    return (pools[kStatAll].*field).current();
  }

  void reset_peaks() {
    for (CounterSet& set : pools) {
      for (Counter* c : {&set.allocation, &set.segment, &set.active, &set.inactive_split,
                         &set.allocated_bytes, &set.reserved_bytes, &set.active_bytes,
                         &set.inactive_split_bytes, &set.requested_bytes}) {
        c->reset_peak();
      }
    }
    oversize_allocations.reset_peak();
    oversize_segments.reset_peak();
  }

  AllocatorStats snapshot() const {
    AllocatorStats s;
    for (int i = 0; i < kStatPools; ++i) {
      const CounterSet& set = pools[i];
      s.allocation[i] = set.allocation.stat();
      s.segment[i] = set.segment.stat();
      s.active[i] = set.active.stat();
      s.inactive_split[i] = set.inactive_split.stat();
      s.allocated_bytes[i] = set.allocated_bytes.stat();
      s.reserved_bytes[i] = set.reserved_bytes.stat();
      s.active_bytes[i] = set.active_bytes.stat();
      s.inactive_split_bytes[i] = set.inactive_split_bytes.stat();
      s.requested_bytes[i] = set.requested_bytes.stat();
    }
    s.oversize_allocations = oversize_allocations.stat();
    s.oversize_segments = oversize_segments.stat();
    s.num_alloc_retries = num_alloc_retries;
    s.num_ooms = num_ooms;
    s.num_device_alloc = num_device_alloc;
    s.num_device_free = num_device_free;
    s.max_split_size = max_split_size;
    return s;
  }
};

}  // namespace opusperf::gpu::detail
