// Internal to caching_allocator.cc: the running statistics behind AllocatorStats, kept in the form
// that is cheapest to update on the allocate/free path, and turned into AllocatorStats on demand.
//
//   AllocatorCounters c;
//   c.hand_out(/*small=*/true, 512, 500);      // a block handed to a caller
//   InactiveSplitChange change;                // pool inserts and removals of one step
//   change.add(block);  change.remove(other);
//   c.apply(change, /*small=*/true);           // once, at the end of the step
//   AllocatorStats s = c.snapshot();
//
// Four savings, each exact (snapshot() gives what per-event bookkeeping gives;
// allocator_stats_model_test.cc checks it against a model after every operation):
//   - A Counter holds the sums of increases and decreases and the peak; its current value is
//     their difference, so a decrease is one add.
//   - Only the small and large pools are counted. "all" is their sum; only its peak is kept,
//     checked against the sum of both pools at each increase.
//   - active / active_bytes are not counted apart: they rise only when a block is handed out (as
//     allocation does) and differ from allocation only by the freed blocks still waiting for
//     stream events, which are counted (`waiting`). Their peak is the larger of allocation's peak
//     and the highest allocation + waiting seen while something waited (`active_peak_waiting`).
//   - Pool inserts and removals change inactive_split; a step (one hand-out, one free) adds them
//     up in an InactiveSplitChange and applies the sums once. A step removes blocks from the pool
//     before it inserts any, so no value between its first and last change exceeds both ends,
//     and checking the peak once at the end finds the same peak; a step that did not raise the
//     value cannot have raised the peak, so only a rise is checked.
// Each pool's counters are one struct, and the hot updates are forced inline, so an update
// addresses them at constant offsets. Not thread-safe (the allocator's mutex guards it).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "opusperf/gpu/allocator_block.h"
#include "opusperf/gpu/allocator_stats.h"

namespace opusperf::gpu::detail {

struct Counter {
  std::int64_t allocated = 0;  // sum of every increase
  std::int64_t freed = 0;      // sum of every decrease
  std::int64_t peak = 0;

  void increase(std::int64_t n) {
    allocated += n;
    peak = std::max(peak, allocated - freed);
  }
  void decrease(std::int64_t n) { freed += n; }
  std::int64_t current() const { return allocated - freed; }
  void reset_peak() { peak = current(); }
  Stat stat() const { return Stat{current(), peak, allocated, freed}; }
};

// The per-pool statistics (AllocatorStats' names), for one pool or for all.
struct CounterSet {
  Counter allocation;
  Counter allocated_bytes;
  Counter requested_bytes;
  Counter inactive_split;
  Counter inactive_split_bytes;
  Counter segment;
  Counter reserved_bytes;
  Counter waiting;        // blocks freed by their caller, waiting for stream events
  Counter waiting_bytes;  // their bytes
  // The highest allocation + waiting (and _bytes) since the last peak reset, at moments when
  // something waited; active's peak is max(this, allocation's peak).
  std::int64_t active_peak_waiting = 0;
  std::int64_t active_bytes_peak_waiting = 0;
};

// The inactive_split changes of one step: blocks inserted into and removed from a pool. A block
// counts when it is split (shares its segment with other blocks).
struct InactiveSplitChange {
  std::int64_t added = 0;
  std::int64_t added_bytes = 0;
  std::int64_t removed = 0;
  std::int64_t removed_bytes = 0;

  // Without branches: whether a pooled block is split is a coin toss on random workloads.
  [[gnu::always_inline]] void add(const Block* b) {
    const std::int64_t split = b->is_split();
    added += split;
    added_bytes += static_cast<std::int64_t>(b->size) & -split;
  }
  [[gnu::always_inline]] void remove(const Block* b) {
    const std::int64_t split = b->is_split();
    removed += split;
    removed_bytes += static_cast<std::int64_t>(b->size) & -split;
  }
  // The same for a block known to be split.
  [[gnu::always_inline]] void add_split(const Block* b) {
    added += 1;
    added_bytes += static_cast<std::int64_t>(b->size);
  }
  [[gnu::always_inline]] void remove_split(const Block* b) {
    removed += 1;
    removed_bytes += static_cast<std::int64_t>(b->size);
  }
};

struct AllocatorCounters {
  // [kStatSmallPool] and [kStatLargePool] are counted; of [kStatAll] only the peaks are kept
  // (each update checks the sum of both pools against it), its other figures are the sums.
  std::array<CounterSet, kStatPools> pools;
  Counter oversize_allocations;
  Counter oversize_segments;
  std::int64_t num_alloc_retries = 0;
  std::int64_t num_ooms = 0;
  std::int64_t num_device_alloc = 0;
  std::int64_t num_device_free = 0;
  std::int64_t max_split_size = -1;
  bool anything_waiting = false;  // some freed block waits for stream events

  static StatPool pool(bool small) { return small ? kStatSmallPool : kStatLargePool; }
  static StatPool other(bool small) { return small ? kStatLargePool : kStatSmallPool; }

  // Changes `field` of the small or large pool (and so of all).
  [[gnu::always_inline]] void increase(Counter CounterSet::*field, bool small, std::int64_t n) {
    Counter& c = pools[pool(small)].*field;
    c.allocated += n;
    const std::int64_t now = c.current();
    // Branches, not max(): after warm-up a value is rarely above its peak, so they predict well
    // and spare the store.
    if (now > c.peak) c.peak = now;
    Counter& all = pools[kStatAll].*field;
    const std::int64_t all_now = now + (pools[other(small)].*field).current();
    if (all_now > all.peak) all.peak = all_now;
  }
  [[gnu::always_inline]] void decrease(Counter CounterSet::*field, bool small, std::int64_t n) {
    (pools[pool(small)].*field).freed += n;
  }
  // Both at once, the peaks checked after both.
  [[gnu::always_inline]] void change(Counter CounterSet::*field, bool small, std::int64_t up,
                                     std::int64_t down) {
    Counter& c = pools[pool(small)].*field;
    c.allocated += up;
    c.freed += down;
    if (up <= down) return;  // no higher than before: the peaks stand (and the check is costly)
    const std::int64_t now = c.current();
    c.peak = std::max(c.peak, now);
    Counter& all = pools[kStatAll].*field;
    all.peak = std::max(all.peak, now + (pools[other(small)].*field).current());
  }
  // Of both pools.
  std::int64_t current(Counter CounterSet::*field) const {
    return (pools[kStatSmallPool].*field).current() + (pools[kStatLargePool].*field).current();
  }

  // A block of `bytes` (rounded; `requested` as asked) handed to a caller.
  [[gnu::always_inline]] void hand_out(bool small, std::int64_t bytes, std::int64_t requested) {
    increase(&CounterSet::allocation, small, 1);
    increase(&CounterSet::allocated_bytes, small, bytes);
    increase(&CounterSet::requested_bytes, small, requested);
    if (anything_waiting) note_active_peaks();
  }
  // A block freed by its caller (it may still wait for stream events).
  [[gnu::always_inline]] void give_back(bool small, std::int64_t bytes, std::int64_t requested) {
    decrease(&CounterSet::allocation, small, 1);
    decrease(&CounterSet::allocated_bytes, small, bytes);
    decrease(&CounterSet::requested_bytes, small, requested);
  }
  // A freed block starts / stops waiting for stream events.
  void start_waiting(bool small, std::int64_t bytes) {
    increase(&CounterSet::waiting, small, 1);
    increase(&CounterSet::waiting_bytes, small, bytes);
    anything_waiting = true;
  }
  void stop_waiting(bool small, std::int64_t bytes) {
    decrease(&CounterSet::waiting, small, 1);
    decrease(&CounterSet::waiting_bytes, small, bytes);
    anything_waiting = current(&CounterSet::waiting) > 0;
  }
  [[gnu::always_inline]] void apply(const InactiveSplitChange& c, bool small) {
    change(&CounterSet::inactive_split, small, c.added, c.removed);
    change(&CounterSet::inactive_split_bytes, small, c.added_bytes, c.removed_bytes);
  }

  void reset_peaks() {
    for (int i = 0; i < kStatPools; ++i) {
      CounterSet& set = pools[i];
      for (Counter CounterSet::*field : kFields) {
        (set.*field).peak = i == kStatAll ? current(field) : (set.*field).current();
      }
      set.active_peak_waiting = active_now(i, &CounterSet::allocation, &CounterSet::waiting);
      set.active_bytes_peak_waiting =
          active_now(i, &CounterSet::allocated_bytes, &CounterSet::waiting_bytes);
    }
    oversize_allocations.reset_peak();
    oversize_segments.reset_peak();
  }

  AllocatorStats snapshot() const {
    AllocatorStats s;
    for (int i = 0; i < kStatPools; ++i) {
      s.allocation[i] = stat(i, &CounterSet::allocation);
      s.segment[i] = stat(i, &CounterSet::segment);
      s.active[i] =
          active(i, &CounterSet::allocation, &CounterSet::waiting, pools[i].active_peak_waiting);
      s.inactive_split[i] = stat(i, &CounterSet::inactive_split);
      s.allocated_bytes[i] = stat(i, &CounterSet::allocated_bytes);
      s.reserved_bytes[i] = stat(i, &CounterSet::reserved_bytes);
      s.active_bytes[i] = active(i, &CounterSet::allocated_bytes, &CounterSet::waiting_bytes,
                                 pools[i].active_bytes_peak_waiting);
      s.inactive_split_bytes[i] = stat(i, &CounterSet::inactive_split_bytes);
      s.requested_bytes[i] = stat(i, &CounterSet::requested_bytes);
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

 private:
  static constexpr Counter CounterSet::*kFields[] = {
      &CounterSet::allocation,           &CounterSet::allocated_bytes,
      &CounterSet::requested_bytes,      &CounterSet::inactive_split,
      &CounterSet::inactive_split_bytes, &CounterSet::segment,
      &CounterSet::reserved_bytes,       &CounterSet::waiting,
      &CounterSet::waiting_bytes};

  // The figures of `field` for pool i; for all, the sums of both pools and the kept peak.
  Stat stat(int i, Counter CounterSet::*field) const {
    if (i != kStatAll) return (pools[i].*field).stat();
    const Counter& small = pools[kStatSmallPool].*field;
    const Counter& large = pools[kStatLargePool].*field;
    return Stat{small.current() + large.current(), (pools[kStatAll].*field).peak,
                small.allocated + large.allocated, small.freed + large.freed};
  }
  std::int64_t active_now(int i, Counter CounterSet::*allocated,
                          Counter CounterSet::*waiting) const {
    return stat(i, allocated).current + stat(i, waiting).current;
  }
  // Active = allocated + waiting. Every increase of active is a hand-out (an increase of
  // allocation); its decreases are the allocation decreases of blocks no longer waiting.
  Stat active(int i, Counter CounterSet::*allocated, Counter CounterSet::*waiting,
              std::int64_t peak_waiting) const {
    const Stat a = stat(i, allocated);
    const std::int64_t waiting_now = stat(i, waiting).current;
    return Stat{a.current + waiting_now, std::max(a.peak, peak_waiting), a.allocated,
                a.freed - waiting_now};
  }
  void note_active_peaks() {
    for (int i = 0; i < kStatPools; ++i) {
      CounterSet& set = pools[i];
      set.active_peak_waiting = std::max(
          set.active_peak_waiting, active_now(i, &CounterSet::allocation, &CounterSet::waiting));
      set.active_bytes_peak_waiting =
          std::max(set.active_bytes_peak_waiting,
                   active_now(i, &CounterSet::allocated_bytes, &CounterSet::waiting_bytes));
    }
  }
};

}  // namespace opusperf::gpu::detail
