#include "opusperf/memory/memory_response.h"

namespace opusperf {

nlohmann::json to_json(const MemoryResponse& r) {
  using Ms = std::chrono::duration<double, std::milli>;
  nlohmann::json steps = nlohmann::json::array();
  for (const TrimStep& s : r.steps) {
    nlohmann::json step = {{"trimmer", s.name},
                           {"priority", s.priority},
                           {"reclaimable_before_bytes", s.reclaimable_before},
                           {"bytes_freed", s.bytes_freed}};
    if (!s.error.empty()) step["error"] = s.error;
    steps.push_back(std::move(step));
  }
  return {{"reason", r.reason},
          {"level", to_string(r.level)},
          {"at_ms", Ms(r.at).count()},
          {"usage_percent",
           r.usage_share ? nlohmann::json(*r.usage_share * 100) : nlohmann::json(nullptr)},
          {"target_bytes", r.target_bytes},
          {"steps", std::move(steps)},
          {"reclaimable_before_bytes", r.reclaimable_before_bytes},
          {"trimmers_freed_bytes", r.trimmers_freed_bytes},
          {"malloc_trimmed", r.malloc_trimmed},
          {"malloc_trim_freed_bytes", r.malloc_trim_freed_bytes},
          {"freed_bytes", r.freed_bytes()},
          {"rss_before_bytes", r.rss_before_bytes},
          {"rss_after_bytes", r.rss_after_bytes},
          {"rss_drop_bytes", r.rss_drop_bytes()},
          {"took_ms", Ms(r.took).count()}};
}

}  // namespace opusperf
