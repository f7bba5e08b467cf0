#include "opusperf/optimizer/report_sections.h"

#include <chrono>

#include "opusperf/optimizer/performance_optimizer.h"

namespace opusperf {
namespace {

double to_ms(std::chrono::nanoseconds d) {
  return std::chrono::duration<double, std::milli>(d).count();
}
double ns_to_ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

template <class T>
nlohmann::json optional_json(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json system_sample_json(const SystemSample& s) {
  nlohmann::json j = {
      {"process_cpu_percent", optional_json(s.process_cpu_percent)},
      {"system_cpu_percent", optional_json(s.system_cpu_percent)},
      {"rss_bytes", s.rss_bytes},
      {"memory_total_bytes", s.memory_total_bytes},
      {"memory_available_bytes", s.memory_available_bytes},
      {"cpu_count", s.cpu_count},
      {"cgroup_version", s.cgroup_version},
      {"cgroup_memory_usage_bytes", optional_json(s.cgroup_memory_usage_bytes)},
      // null means unlimited (or no cgroup found: see cgroup_version)
      {"cgroup_memory_limit_bytes", optional_json(s.cgroup_memory_limit_bytes)},
  };
  if (s.memory_pressure) {
    const MemoryPressure& p = *s.memory_pressure;
    j["memory_pressure"] = {
        {"some_avg10", p.some_avg10},   {"some_avg60", p.some_avg60},
        {"some_avg300", p.some_avg300}, {"some_total_us", p.some_total_us},
        {"full_avg10", p.full_avg10},   {"full_avg60", p.full_avg60},
        {"full_avg300", p.full_avg300}, {"full_total_us", p.full_total_us},
    };
  } else {
    j["memory_pressure"] = nullptr;  // kernel without PSI
  }
  return j;
}

nlohmann::json system_point_json(const SystemPoint& p) {
  return {
      {"t_ms", to_ms(p.since_start)},
      {"process_cpu_percent", optional_json(p.sample.process_cpu_percent)},
      {"system_cpu_percent", optional_json(p.sample.system_cpu_percent)},
      {"rss_bytes", p.sample.rss_bytes},
      {"memory_some_avg10",
       p.sample.memory_pressure ? nlohmann::json(p.sample.memory_pressure->some_avg10) : nullptr},
      {"operations_total", p.operations_total},
  };
}

nlohmann::json operation_stats_json(const OperationStats& stats) {
  const LatencyHistogram& wall = stats.wall_ns();
  const std::uint64_t calls = stats.calls();
  const double wall_total_s = static_cast<double>(wall.sum()) / 1e9;
  nlohmann::json j = {
      {"calls", calls},
      {"errors", stats.errors()},
      {"wall_ms",
       {{"mean", wall.mean() / 1e6},
        {"p50", ns_to_ms(wall.percentile(0.50))},
        {"p90", ns_to_ms(wall.percentile(0.90))},
        {"p99", ns_to_ms(wall.percentile(0.99))},
        {"max", ns_to_ms(wall.max())},
        {"total", wall_total_s * 1e3}}},
      {"cpu_ms_total", to_ms(stats.cpu_time_total())},
      {"cpu_ms_mean", calls ? to_ms(stats.cpu_time_total()) / static_cast<double>(calls) : 0.0},
      {"units_total", stats.units_total()},
      // units per second of the operation's own wall time (not of the whole run)
      {"throughput_units_per_s",
       wall_total_s > 0 ? static_cast<double>(stats.units_total()) / wall_total_s : 0.0},
      {"rss_samples", stats.rss_samples()},
      // Summed over the sampled calls only; null when no call was sampled (see OperationProbe).
      {"rss_delta_bytes_total",
       stats.rss_samples() ? nlohmann::json(stats.rss_delta_total()) : nullptr},
      {"rss_delta_bytes_mean", stats.rss_samples()
                                   ? nlohmann::json(static_cast<double>(stats.rss_delta_total()) /
                                                    static_cast<double>(stats.rss_samples()))
                                   : nullptr},
  };
  return j;
}

nlohmann::json disabled_section_json(bool requested_in_config, std::string_view reason) {
  return {{"enabled", false}, {"requested", requested_in_config}, {"reason", reason}};
}

}  // namespace opusperf
