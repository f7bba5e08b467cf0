#include "opusperf/server/run_families.h"

#include <chrono>
#include <optional>
#include <string>

namespace opusperf {
namespace {

FamilySnapshot family(std::string name, std::string help, MetricKind kind,
                      std::vector<std::string> labels = {}) {
  FamilySnapshot f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.kind = kind;
  f.label_names = std::move(labels);
  return f;
}

void add(FamilySnapshot& f, std::vector<std::string> labels, double value) {
  MetricSample s;
  s.label_values = std::move(labels);
  s.value = value;
  f.samples.push_back(std::move(s));
}

template <class T>
FamilySnapshot gauge(std::string name, std::string help, const std::optional<T>& value,
                     double scale = 1.0) {
  FamilySnapshot f = family(std::move(name), std::move(help), MetricKind::kGauge);
  if (value) add(f, {}, static_cast<double>(*value) * scale);
  return f;
}

}  // namespace

std::vector<FamilySnapshot> operation_families(const std::vector<const OperationStats*>& ops) {
  const std::vector<std::string> op = {"operation"};
  FamilySnapshot calls =
      family("opusperf_operation_calls_total", "Calls of each operation, failed ones included.",
             MetricKind::kCounter, op);
  FamilySnapshot errors = family("opusperf_operation_errors_total",
                                 "Calls of each operation that threw.", MetricKind::kCounter, op);
  FamilySnapshot duration =
      family("opusperf_operation_duration_seconds", "Wall time of each call of an operation.",
             MetricKind::kHistogram, op);
  FamilySnapshot cpu = family("opusperf_operation_cpu_seconds_total",
                              "CPU time (user + system) of the threads that ran each operation.",
                              MetricKind::kCounter, op);
  FamilySnapshot units = family("opusperf_operation_units_total",
                                "Work units (frames, bytes, items) each operation reported.",
                                MetricKind::kCounter, op);
  for (const OperationStats* stats : ops) {
    const std::vector<std::string> label = {stats->name()};
    add(calls, label, static_cast<double>(stats->calls()));
    add(errors, label, static_cast<double>(stats->errors()));
    MetricSample wall;
    wall.label_values = label;
    wall.histogram = stats->wall_ns().snapshot();
    wall.value = static_cast<double>(wall.histogram->sum());
    duration.samples.push_back(std::move(wall));
    add(cpu, label, std::chrono::duration<double>(stats->cpu_time_total()).count());
    add(units, label, static_cast<double>(stats->units_total()));
  }
  return {std::move(calls), std::move(errors), std::move(duration), std::move(cpu),
          std::move(units)};
}

std::vector<FamilySnapshot> system_families(const SystemSample& s) {
  const auto known = [](std::uint64_t v) {
    return v > 0 ? std::optional<std::uint64_t>(v) : std::nullopt;  // 0 means "unreadable"
  };
  std::optional<double> psi_some, psi_full;
  if (s.memory_pressure) {
    psi_some = s.memory_pressure->some_avg10;
    psi_full = s.memory_pressure->full_avg10;
  }
  return {
      gauge("opusperf_system_cpu_percent", "Busy share of all CPUs of the machine, 0..100.",
            s.system_cpu_percent),
      gauge("opusperf_system_cpus", "CPUs of the machine.",
            s.cpu_count > 0 ? std::optional<unsigned>(s.cpu_count) : std::nullopt),
      gauge("opusperf_system_memory_total_bytes", "Physical memory of the machine.",
            known(s.memory_total_bytes)),
      gauge("opusperf_system_memory_available_bytes",
            "Memory available to new work without swapping.", known(s.memory_available_bytes)),
      gauge("opusperf_cgroup_memory_usage_bytes", "Memory charged to this process's cgroup.",
            s.cgroup_memory_usage_bytes),
      gauge("opusperf_cgroup_memory_limit_bytes",
            "Tightest memory limit of the cgroup and its ancestors (absent: unlimited).",
            s.cgroup_memory_limit_bytes),
      gauge("opusperf_memory_pressure_some_ratio",
            "Share of the last 10 s some task stalled on memory (PSI), 0..1.", psi_some, 0.01),
      gauge("opusperf_memory_pressure_full_ratio",
            "Share of the last 10 s all non-idle tasks stalled on memory (PSI), 0..1.", psi_full,
            0.01),
  };
}

}  // namespace opusperf
