// MemoryState: the memory figures the MemoryOptimizer decides on, derived from one SystemSample
// (monitor/system_sampler.h) plus the allocator's own statistics (glibc mallinfo2).
//
//   MemoryState s = memory_state(sampler.sample(), HeapStats::read());
//   if (s.usage_share && *s.usage_share > 0.9) ...
//
// The limit that matters is the tightest one that can trigger the OOM killer: the cgroup's (v1 or
// v2) when it has one, else physical memory. Usage is measured against the same thing: the
// cgroup's usage, else MemTotal - MemAvailable.
//
// Thread-safety: plain values and pure functions; HeapStats::read() is thread-safe.
// Cost: HeapStats::read() walks glibc's arenas (a few µs with a handful of threads).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "opusperf/monitor/system_sampler.h"

namespace opusperf {

// glibc's view of its heap (mallinfo2), in bytes.
struct HeapStats {
  std::uint64_t arena_bytes = 0;       // obtained with brk/sbrk in all arenas (arena)
  std::uint64_t mmapped_bytes = 0;     // in blocks of their own mapping (hblkhd)
  std::uint64_t in_use_bytes = 0;      // handed out to the program (uordblks)
  std::uint64_t free_bytes = 0;        // free inside the arenas, not yet returned (fordblks)
  std::uint64_t releasable_bytes = 0;  // free at the top of the main heap (keepcost)

  // Returns the current figures; all zero where mallinfo2 is unavailable (a non-glibc libc).
  static HeapStats read();
};

struct MemoryState {
  std::uint64_t rss_bytes = 0;
  std::optional<std::uint64_t> usage_bytes;  // cgroup usage, else MemTotal - MemAvailable
  std::optional<std::uint64_t> limit_bytes;  // cgroup limit, else MemTotal
  // Which limit applies: "cgroup v1", "cgroup v2", "physical memory" or "unknown".
  std::string_view limit_source = "unknown";
  std::optional<double> usage_share;  // usage / limit, when both are known
  std::optional<double> psi_some_avg10;
  std::optional<double> psi_full_avg10;
  HeapStats heap;
};

// Returns the MemoryState of a sample and the heap figures read with it.
MemoryState memory_state(const SystemSample& sample, const HeapStats& heap);

}  // namespace opusperf
