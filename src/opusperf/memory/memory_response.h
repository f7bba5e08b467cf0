// MemoryResponse: the record of one pressure response (or forced trim) by the MemoryOptimizer:
// what was asked for, what each trimmer freed by its own accounting, and the RSS measured around
// it. Kept for the report and logged when it happens.
//
// Thread-safety: a plain value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "opusperf/memory/pressure_level.h"
#include "opusperf/memory/trimmer.h"

namespace opusperf {

struct MemoryResponse {
  std::string reason;  // "pressure" (from a tick) or "forced" (optimize_memory)
  PressureLevel level = PressureLevel::kNormal;
  std::chrono::nanoseconds at{0};  // since the optimizer started, on its clock
  std::optional<double> usage_share;
  // Bytes the trimmers were asked for (enough to fall back under the elevated level's exit
  // threshold); 0 = every trimmer ran (critical, forced, or the need was unknown).
  std::uint64_t target_bytes = 0;
  std::vector<TrimStep> steps;                 // one per trimmer that ran, in run order
  std::uint64_t reclaimable_before_bytes = 0;  // what every registered trimmer held before
  std::uint64_t trimmers_freed_bytes = 0;      // sum of steps' bytes_freed
  bool malloc_trimmed = false;                 // malloc_trim(0) ran
  std::uint64_t malloc_trim_freed_bytes = 0;   // RSS drop across malloc_trim (>= 0)
  std::uint64_t rss_before_bytes = 0;          // at the start of the response
  std::uint64_t rss_after_bytes = 0;           // after trimmers and malloc_trim
  std::chrono::nanoseconds took{0};            // wall time of the response

  // Returns trimmers_freed_bytes + malloc_trim_freed_bytes.
  std::uint64_t freed_bytes() const { return trimmers_freed_bytes + malloc_trim_freed_bytes; }
  // Returns rss_before - rss_after, which may be negative (other threads allocate meanwhile).
  std::int64_t rss_drop_bytes() const {
    return static_cast<std::int64_t>(rss_before_bytes) - static_cast<std::int64_t>(rss_after_bytes);
  }
};

// Returns the response as a JSON object (durations in ms, sizes in bytes).
nlohmann::json to_json(const MemoryResponse& r);

}  // namespace opusperf
