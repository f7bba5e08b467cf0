#include "opusperf/server/report_comparison.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace opusperf {
namespace {

using nlohmann::json;

struct Figure {
  double value = 0;
  std::string unit;
  bool higher_is_better = false;
  std::optional<double> noise_percent;
};

using Figures = std::map<std::string, Figure>;

std::optional<double> number(const json& j, std::string_view key) {
  if (!j.is_object()) return std::nullopt;
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// Relative spread (p90 - p50) / p50 in percent, from the given values' own percentiles.
std::optional<double> spread_percent(double p50, double p90) {
  if (!(p50 > 0) || p90 < p50) return std::nullopt;
  return (p90 - p50) / p50 * 100;
}

std::optional<double> series_spread(std::vector<double> values) {
  if (values.size() < 2) return std::nullopt;
  std::sort(values.begin(), values.end());
  const auto at = [&](double q) {
    return values[static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1];
  };
  return spread_percent(at(0.5), at(0.9));
}

std::string unit_of(std::string_view name) {
  if (name.ends_with("_ms")) return "ms";
  if (name.ends_with("_bytes")) return "bytes";
  if (name.ends_with("_percent")) return "percent";
  if (name.ends_with("_per_s")) return "per_s";
  return "";
}

bool higher_is_better(std::string_view name) {
  for (std::string_view word : {"hit", "throughput", "goodput", "per_s", "speedup", "saved"}) {
    if (name.find(word) != std::string_view::npos) return true;
  }
  return false;
}

void operations_figures(const json& doc, Figures& out) {
  const json& by_name = doc["operations"].value("by_name", json::object());
  for (const auto& [op, s] : by_name.items()) {
    if (!s.is_object()) continue;
    const json wall = s.value("wall_ms", json::object());
    std::optional<double> noise;
    if (auto p50 = number(wall, "p50"), p90 = number(wall, "p90"); p50 && p90)
      noise = spread_percent(*p50, *p90);
    const std::string base = "operations." + op + ".";
    for (const char* q : {"mean", "p50", "p90", "p99"}) {
      if (auto v = number(wall, q)) out[base + q + "_ms"] = {*v, "ms", false, noise};
    }
    if (auto v = number(s, "cpu_ms_mean")) out[base + "cpu_ms_mean"] = {*v, "ms", false, noise};
    if (auto units = number(s, "units_total"); units && *units > 0) {
      if (auto v = number(s, "throughput_units_per_s"))
        out[base + "throughput_per_s"] = {*v, "per_s", true, noise};
    }
    if (auto v = number(s, "errors")) out[base + "errors"] = {*v, "", false, std::nullopt};
  }
}

void system_figures(const json& doc, Figures& out) {
  const json series = doc["system"].value("series", json::array());
  std::vector<double> cpu, rss;
  for (const json& p : series) {
    if (auto v = number(p, "process_cpu_percent")) cpu.push_back(*v);
    if (auto v = number(p, "rss_bytes")) rss.push_back(*v);
  }
  if (!cpu.empty()) {
    double sum = 0;
    for (double v : cpu)
      sum += v;
    out["system.mean_process_cpu_percent"] = {sum / static_cast<double>(cpu.size()), "percent",
                                              false, series_spread(cpu)};
  }
  if (!rss.empty()) {
    out["system.peak_rss_bytes"] = {*std::max_element(rss.begin(), rss.end()), "bytes", false,
                                    series_spread(rss)};
  }
}

void section_figures(const std::string& prefix, const json& j, int depth, Figures& out) {
  for (const auto& [key, v] : j.items()) {
    const std::string name = prefix + "." + key;
    if (v.is_number() && !v.is_boolean()) {
      out[name] = {v.get<double>(), unit_of(key), higher_is_better(key), std::nullopt};
    } else if (v.is_object() && depth < 2) {
      section_figures(name, v, depth + 1, out);
    }
  }
}

Figures figures_of(const Report& report) {
  const json& doc = report.json();
  Figures out;
  operations_figures(doc, out);
  system_figures(doc, out);
  for (const auto& [section, j] : doc.items()) {
    if (section == "system" || section == "operations" || section == "config" || !j.is_object()) {
      continue;
    }
    const auto enabled = j.find("enabled");
    if (enabled == j.end() || !enabled->is_boolean() || !enabled->get<bool>()) continue;
    section_figures(section, j, 1, out);
  }
  return out;
}

}  // namespace

std::optional<double> ComparedMetric::change_percent() const {
  if (baseline == 0) return std::nullopt;
  return (current - baseline) / std::abs(baseline) * 100;
}

std::optional<bool> ComparedMetric::beyond_noise() const {
  const auto change = change_percent();
  if (!change || !noise_percent) return std::nullopt;
  return std::abs(*change) > *noise_percent;
}

bool ComparedMetric::regressed(double percent) const {
  const double worse = higher_is_better ? baseline - current : current - baseline;
  if (!(worse > 0)) return false;
  if (baseline == 0) return true;
  return worse / std::abs(baseline) * 100 > percent;
}

std::vector<ComparedMetric> compare_reports(const Report& baseline, const Report& current) {
  const Figures a = figures_of(baseline);
  const Figures b = figures_of(current);
  std::vector<ComparedMetric> out;
  for (const auto& [name, fa] : a) {
    const auto it = b.find(name);
    if (it == b.end()) continue;
    const Figure& fb = it->second;
    ComparedMetric m;
    m.name = name;
    m.unit = fa.unit;
    m.baseline = fa.value;
    m.current = fb.value;
    m.higher_is_better = fa.higher_is_better;
    if (fa.noise_percent && fb.noise_percent) {
      m.noise_percent = std::max(*fa.noise_percent, *fb.noise_percent);
    } else {
      m.noise_percent = fa.noise_percent ? fa.noise_percent : fb.noise_percent;
    }
    out.push_back(std::move(m));
  }
  return out;
}

bool metric_name_matches(std::string_view pattern, std::string_view name) {
  // Iterative glob with backtracking to the last '*'.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

}  // namespace opusperf
