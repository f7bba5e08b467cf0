// MemoryOptimizer::report_json(): the report's "memory" section. Units as in every section:
// durations in ms (_ms), sizes in bytes (_bytes), shares in percent (_percent).
#include <optional>

#include "opusperf/memory/memory_optimizer.h"

namespace opusperf {
namespace {

using nlohmann::json;
using Ms = std::chrono::duration<double, std::milli>;

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json state_json(const MemoryState& s) {
  return {{"rss_bytes", s.rss_bytes},
          {"usage_bytes", or_null(s.usage_bytes)},
          {"limit_bytes", or_null(s.limit_bytes)},
          {"limit_source", s.limit_source},
          {"usage_percent", s.usage_share ? json(*s.usage_share * 100) : json(nullptr)},
          {"psi_some_avg10_percent", or_null(s.psi_some_avg10)},
          {"psi_full_avg10_percent", or_null(s.psi_full_avg10)},
          {"heap",
           {{"arena_bytes", s.heap.arena_bytes},
            {"mmapped_bytes", s.heap.mmapped_bytes},
            {"in_use_bytes", s.heap.in_use_bytes},
            {"free_bytes", s.heap.free_bytes},
            {"releasable_bytes", s.heap.releasable_bytes}}}};
}

json pool_json(const BufferPool& pool) {
  const BufferPoolStats s = pool.stats();
  const BufferPoolOptions& o = pool.options();
  return {{"hits", s.hits},
          {"thread_cache_hits", s.thread_cache_hits},
          {"misses", s.misses},
          {"unpooled", s.unpooled},
          {"hit_rate_percent", s.hit_rate() * 100},
          {"upstream_allocations", s.upstream_allocations},
          {"upstream_deallocations", s.upstream_deallocations},
          {"released_over_cap", s.released_over_cap},
          {"in_use_bytes", s.bytes_in_use},
          {"idle_bytes", s.bytes_idle},
          {"trimmed_bytes", s.bytes_trimmed},
          {"size_classes_bytes", o.size_classes},
          {"alignment_bytes", o.alignment},
          {"max_idle_bytes", o.max_idle_bytes},
          {"thread_cache_slots", o.thread_cache_slots}};
}

json tracked_json(const TrackedSnapshot& s) {
  json by_name = json::array();
  for (const TrackedTotal& t : s.by_name)
    by_name.push_back({{"name", t.name}, {"bytes", t.bytes}, {"count", t.count}});
  json owners = json::array();
  for (const TrackedOwner& o : s.largest_owners) {
    owners.push_back(
        {{"name", o.name}, {"owner", o.owner}, {"bytes", o.bytes}, {"count", o.count}});
  }
  return {{"total_bytes", s.total_bytes},
          {"total_count", s.total_count},
          {"by_name", std::move(by_name)},
          {"largest_owners", std::move(owners)}};
}

}  // namespace

json MemoryOptimizer::leaks_json() const {
  json active = json::array();
  json resolved = json::array();
  for (const MemoryLeak& leak : leak_findings()) {
    const LeakFinding& f = leak.finding;
    json j = {{"kind", leak.kind},
              {"name", leak.name},
              {"owner", leak.owner},
              {"rate_bytes_per_s", f.rate_bytes_per_s},
              {"fit", f.fit},
              {"trend_z", f.trend_z},
              {"span_ms", Ms(f.span).count()},
              {"growth_since_ms", Ms(f.growth_since - started_).count()},
              {"detected_at_ms", Ms(f.detected_at - started_).count()},
              {"value_at_detection_bytes", f.value_at_detection}};
    if (f.resolved_at) {
      j["resolved_at_ms"] = Ms(*f.resolved_at - started_).count();
      resolved.push_back(std::move(j));
    } else {
      active.push_back(std::move(j));
    }
  }
  const LeakDetectorOptions& o = leaks_.options();
  return {{"active", std::move(active)},
          {"resolved", std::move(resolved)},
          {"window_ms", Ms(o.window).count()},
          {"windows", o.windows},
          {"scales", o.scales},
          {"min_rate_bytes_per_s", o.min_rate_bytes_per_s}};
}

json MemoryOptimizer::report_json() const {
  json trimmers = json::array();
  for (const TrimmerInfo& t : trimmers_.list()) {
    trimmers.push_back(
        {{"name", t.name}, {"priority", t.priority}, {"reclaimable_bytes", t.reclaimable_bytes}});
  }
  json responses = json::array();
  for (const MemoryResponse& r : responses_.snapshot())
    responses.push_back(to_json(r));
  const PressureThresholds& t = classifier_.thresholds();
  json j = {{"enabled", true},
            {"thresholds",
             {{"elevated_percent", t.elevated * 100},
              {"high_percent", t.high * 100},
              {"critical_percent", t.critical * 100},
              {"psi_percent", t.psi},
              {"share_hysteresis_percent", t.share_hysteresis * 100},
              {"psi_hysteresis_percent", t.psi_hysteresis * 100},
              {"cooldown_ms", Ms(options_.cooldown).count()}}},
            {"trimmers", std::move(trimmers)},
            {"responses", std::move(responses)},
            {"frame_pool", pool_json(frame_pool_)},
            {"tracked", tracked_json(tracker_.snapshot())},
            {"leaks", leaks_json()}};
  std::lock_guard lock(state_mu_);
  j["level"] = to_string(level_);
  j["state"] = last_state_ ? state_json(*last_state_) : json(nullptr);
  j["ticks"] = ticks_;
  j["level_changes"] = level_changes_;
  j["responses_total"] = responses_total_;
  j["responses_skipped_in_cooldown"] = skipped_in_cooldown_;
  j["freed_total_bytes"] = freed_total_bytes_;
  return j;
}

}  // namespace opusperf
