#include "opusperf/memory/memory_state.h"

#include <malloc.h>

#include <algorithm>

namespace opusperf {

HeapStats HeapStats::read() {
  HeapStats h;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 mi = ::mallinfo2();
  h.arena_bytes = mi.arena;
  h.mmapped_bytes = mi.hblkhd;
  h.in_use_bytes = mi.uordblks;
  h.free_bytes = mi.fordblks;
  h.releasable_bytes = mi.keepcost;
#endif
  return h;
}

MemoryState memory_state(const SystemSample& sample, const HeapStats& heap) {
  MemoryState s;
  s.rss_bytes = sample.rss_bytes;
  s.heap = heap;
  if (sample.cgroup_memory_limit_bytes && sample.cgroup_memory_usage_bytes) {
    s.usage_bytes = sample.cgroup_memory_usage_bytes;
    s.limit_bytes = sample.cgroup_memory_limit_bytes;
    s.limit_source = sample.cgroup_version == 1 ? "cgroup v1" : "cgroup v2";
  } else if (sample.memory_total_bytes > 0) {
    const std::uint64_t available =
        std::min(sample.memory_available_bytes, sample.memory_total_bytes);
    s.usage_bytes = sample.memory_total_bytes - available;
    s.limit_bytes = sample.memory_total_bytes;
    s.limit_source = "physical memory";
  }
  if (s.usage_bytes && s.limit_bytes && *s.limit_bytes > 0) {
    s.usage_share = static_cast<double>(*s.usage_bytes) / static_cast<double>(*s.limit_bytes);
  }
  if (sample.memory_pressure) {
    s.psi_some_avg10 = sample.memory_pressure->some_avg10;
    s.psi_full_avg10 = sample.memory_pressure->full_avg10;
  }
  return s;
}

}  // namespace opusperf
