#include "opusperf/gpu/allocator_stats.h"

#include <utility>

namespace opusperf::gpu {
namespace {

void put(std::map<std::string, std::int64_t>& out, const std::string& prefix, const Stat& s) {
  out[prefix + ".current"] = s.current;
  out[prefix + ".peak"] = s.peak;
  out[prefix + ".allocated"] = s.allocated;
  out[prefix + ".freed"] = s.freed;
}

void put(std::map<std::string, std::int64_t>& out, const char* name, const StatArray& stats) {
  for (int pool = 0; pool < kStatPools; ++pool) {
    put(out, std::string(name) + "." + std::string(to_string(static_cast<StatPool>(pool))),
        stats[pool]);
  }
}

}  // namespace

std::string_view to_string(StatPool pool) {
  switch (pool) {
    case kStatSmallPool:
      return "small_pool";
    case kStatLargePool:
      return "large_pool";
    case kStatAll:
      break;
  }
  return "all";
}

std::map<std::string, std::int64_t> to_key_values(const AllocatorStats& s) {
  std::map<std::string, std::int64_t> out;
  put(out, "allocation", s.allocation);
  put(out, "segment", s.segment);
  put(out, "active", s.active);
  put(out, "inactive_split", s.inactive_split);
  put(out, "allocated_bytes", s.allocated_bytes);
  put(out, "reserved_bytes", s.reserved_bytes);
  put(out, "active_bytes", s.active_bytes);
  put(out, "inactive_split_bytes", s.inactive_split_bytes);
  put(out, "requested_bytes", s.requested_bytes);
  put(out, "oversize_allocations", s.oversize_allocations);
  put(out, "oversize_segments", s.oversize_segments);
  out["num_alloc_retries"] = s.num_alloc_retries;
  out["num_ooms"] = s.num_ooms;
  out["num_device_alloc"] = s.num_device_alloc;
  out["num_device_free"] = s.num_device_free;
  out["max_split_size"] = s.max_split_size;
  return out;
}

nlohmann::json to_json(const AllocatorStats& stats) {
  nlohmann::json out = nlohmann::json::object();
  for (auto& [key, value] : to_key_values(stats))
    out[key] = value;
  return out;
}

}  // namespace opusperf::gpu
