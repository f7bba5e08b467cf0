// Comparison of two run reports, for benchmarking and regression gates (`opusperf report B.json
// --compare A.json --fail-over PCT`).
//
//   auto rows = compare_reports(Report::load("A.json"), Report::load("B.json"));
//   for (const ComparedMetric& m : rows) if (m.regressed(10)) ...   // worse by more than 10%
//
// Metrics taken from each report (names are dotted paths):
//   operations.<op>.{mean,p50,p90,p99}_ms, .cpu_ms_mean   lower is better
//   operations.<op>.throughput_per_s                      higher is better (when units were given)
//   operations.<op>.errors                                lower is better
//   system.mean_process_cpu_percent, system.peak_rss_bytes   over the recorded series
//   <section>.<path> for the numbers of each enabled component section (cache, memory, gpu,
//   balance, tune, ...; two levels deep, arrays left out); higher is better when the name says
//   hit, throughput, goodput, per_s, speedup or saved, lower otherwise.
// Only metrics both reports have are compared.
//
// Noise: a report records the spread of each operation's calls (its percentiles). The noise band
// of an operation's metrics is the larger relative spread (p90 - p50) / p50 of the two runs: calls
// of one run already differ by that much, so a change inside it is not evidence. The system
// metrics use the spread of their recorded series the same way. Component figures carry no spread,
// so their noise is unknown.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/monitor/report.h"

namespace opusperf {

struct ComparedMetric {
  std::string name;
  std::string unit;  // "ms", "bytes", "percent", "per_s" or "" (a count or plain number)
  double baseline = 0;
  double current = 0;
  bool higher_is_better = false;
  std::optional<double> noise_percent;  // see the file comment; nullopt when unknown

  // Returns (current - baseline) / |baseline| in percent; nullopt when baseline is 0.
  std::optional<double> change_percent() const;
  // Returns whether |change| exceeds the noise band; nullopt when either is unknown.
  std::optional<bool> beyond_noise() const;
  // Returns whether the metric got worse (in its better direction) by more than `percent`. A metric
  // that goes from 0 to anything worse counts as regressed.
  bool regressed(double percent) const;
};

// Returns the metrics both reports share, in name order.
std::vector<ComparedMetric> compare_reports(const Report& baseline, const Report& current);

// Returns whether `name` matches `pattern`, where '*' matches any run of characters (including
// none) and every other character matches itself.
bool metric_name_matches(std::string_view pattern, std::string_view name);

}  // namespace opusperf
