#include "report_table.h"

#include <fmt/format.h>

#include "format.h"

namespace opusperf::cli {
namespace {

using nlohmann::json;

// Returns j[key] as a number, or nullopt when absent or not a number.
std::optional<double> number_at(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

std::string or_dash(std::optional<double> v, std::string (*fmt_fn)(double)) {
  return v ? fmt_fn(*v) : "-";
}

std::string percent(double v) {
  return fmt::format("{:.1f}%", v);
}

void print_system(const json& system, std::ostream& out) {
  const json& latest = system.value("latest", json(nullptr));
  out << "System\n";
  out << fmt::format("  process CPU     {}   ({} CPU time in total)\n",
                     or_dash(number_at(latest, "process_cpu_percent"), percent),
                     or_dash(number_at(system, "process_cpu_ms_total"), human_ms));
  out << fmt::format("  system CPU      {}   of {} CPUs\n",
                     or_dash(number_at(latest, "system_cpu_percent"), percent),
                     latest.is_object() ? latest.value("cpu_count", 0u) : 0u);
  out << fmt::format("  RSS             {}\n",
                     or_dash(number_at(latest, "rss_bytes"), human_bytes));
  std::string limit = "unlimited";
  if (latest.is_object() && latest.value("cgroup_version", 0) == 0) limit = "no cgroup found";
  if (auto l = number_at(latest, "cgroup_memory_limit_bytes")) limit = human_bytes(*l);
  out << fmt::format("  cgroup memory   {} used, limit {}\n",
                     or_dash(number_at(latest, "cgroup_memory_usage_bytes"), human_bytes), limit);
  const json pressure =
      latest.is_object() ? latest.value("memory_pressure", json(nullptr)) : json();
  out << fmt::format("  memory PSI      {}\n",
                     pressure.is_object() ? fmt::format("some avg10 {:.2f}%, full avg10 {:.2f}%",
                                                        pressure.value("some_avg10", 0.0),
                                                        pressure.value("full_avg10", 0.0))
                                          : std::string("unavailable"));
  out << fmt::format("  samples         {} recorded\n",
                     system.contains("series") ? system["series"].size() : 0);
}

void print_operations(const json& ops, std::ostream& out) {
  out << "Operations\n";
  const json by_name = ops.value("by_name", json::object());
  if (by_name.empty()) {
    out << "  (none recorded)\n";
    return;
  }
  out << fmt::format("  {:<22} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>11} {:>12}\n",
                     "operation", "calls", "errors", "p50", "p99", "max", "CPU total", "RSS Δ/call",
                     "throughput");
  for (const auto& [name, s] : by_name.items()) {
    const json wall = s.value("wall_ms", json::object());
    const auto units = number_at(s, "units_total");
    out << fmt::format(
        "  {:<22} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>11} {:>12}\n", name,
        s.value("calls", 0u), s.value("errors", 0u), or_dash(number_at(wall, "p50"), human_ms),
        or_dash(number_at(wall, "p99"), human_ms), or_dash(number_at(wall, "max"), human_ms),
        or_dash(number_at(s, "cpu_ms_total"), human_ms),
        or_dash(number_at(s, "rss_delta_bytes_mean"), human_bytes),
        units && *units > 0 ? or_dash(number_at(s, "throughput_units_per_s"), human_rate)
                            : std::string("-"));
  }
}

void print_components(const json& doc, std::ostream& out) {
  out << "Components\n";
  for (std::string_view section : Report::kSections) {
    if (section == "system" || section == "operations") continue;
    const json& s = doc.at(std::string(section));
    const bool enabled = s.value("enabled", false);
    out << fmt::format(
        "  {:<10} {}\n", section,
        enabled ? "enabled" : fmt::format("off ({})", s.value("reason", "disabled")));
  }
}

}  // namespace

void print_report_table(const Report& report, std::ostream& out) {
  const json& doc = report.json();
  out << fmt::format("opusperf {} report, profile {}, uptime {}\n\n", doc.value("version", "?"),
                     doc.value("profile", "?"),
                     or_dash(number_at(doc["system"], "uptime_ms"), human_ms));
  print_system(doc["system"], out);
  out << "\n";
  print_operations(doc["operations"], out);
  out << "\n";
  print_components(doc, out);
  if (doc.contains("forced_optimizations")) {
    const json& f = doc["forced_optimizations"];
    out << fmt::format("\nForced optimizations: {}\n", f.value("count", 0u));
    if (f.contains("last")) {
      for (const auto& step : f["last"].value("steps", json::array())) {
        out << fmt::format("  {:<14} freed {:>10}  {}\n", step.value("component", "?"),
                           human_bytes(step.value("bytes_freed", 0.0)), step.value("detail", ""));
      }
    }
  }
}

}  // namespace opusperf::cli
