// AllocatorStats: what the caching allocator has done, kept the way PyTorch's CUDACachingAllocator
// keeps it, so the numbers read the same as torch.cuda.memory_stats():
//
//   allocation / allocated_bytes      blocks handed to callers and not yet freed (rounded sizes)
//   requested_bytes                   what callers asked for (before rounding)
//   active / active_bytes             allocated, plus freed blocks still waiting for stream events
//   inactive_split / _bytes           free blocks inside split segments (fragmentation)
//   segment / reserved_bytes          memory held from the device (segments; mapped pages)
//
// each as current / peak / allocated (sum of increases) / freed (sum of decreases), for "all",
// "small_pool" and "large_pool". Invariants: reserved >= active >= allocated >= requested; peaks
// never fall (but reset_peak_stats). Plus counters: num_alloc_retries (allocations that had to
// free the cache and retry), num_ooms, num_device_alloc / num_device_free (upstream calls), and
// oversize_allocations / oversize_segments (blocks >= max_split_size).
//
// Thread-safety: a plain value type (a snapshot).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace opusperf::gpu {

struct Stat {
  std::int64_t current = 0;
  std::int64_t peak = 0;
  std::int64_t allocated = 0;  // sum of every increase
  std::int64_t freed = 0;      // sum of every decrease

  void increase(std::int64_t n) {
    current += n;
    allocated += n;
    if (current > peak) peak = current;
  }
  void decrease(std::int64_t n) {
    current -= n;
    freed += n;
  }
  void reset_peak() { peak = current; }
};

// Which pool a statistic covers.
enum StatPool : int { kStatAll = 0, kStatSmallPool = 1, kStatLargePool = 2 };
inline constexpr int kStatPools = 3;
// Returns "all", "small_pool" or "large_pool".
std::string_view to_string(StatPool pool);

using StatArray = std::array<Stat, kStatPools>;

struct AllocatorStats {
  StatArray allocation;
  StatArray segment;
  StatArray active;
  StatArray inactive_split;
  StatArray allocated_bytes;
  StatArray reserved_bytes;
  StatArray active_bytes;
  StatArray inactive_split_bytes;
  StatArray requested_bytes;
  Stat oversize_allocations;
  Stat oversize_segments;
  std::int64_t num_alloc_retries = 0;
  std::int64_t num_ooms = 0;
  std::int64_t num_device_alloc = 0;  // backend allocate() and map() calls
  std::int64_t num_device_free = 0;   // backend deallocate() and unmap() calls
  std::int64_t max_split_size = -1;   // the setting in bytes; -1 = no limit (as PyTorch reports)
};

// Returns every statistic under PyTorch's key, e.g. "allocated_bytes.all.current",
// "reserved_bytes.large_pool.peak", "num_ooms".
std::map<std::string, std::int64_t> to_key_values(const AllocatorStats& stats);
// Returns to_key_values() as a JSON object.
nlohmann::json to_json(const AllocatorStats& stats);

}  // namespace opusperf::gpu
