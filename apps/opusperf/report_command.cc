#include "report_command.h"

#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "format.h"
#include "opusperf/core/atomic_file.h"
#include "opusperf/core/errors.h"
#include "opusperf/monitor/report.h"
#include "opusperf/server/dashboard_page.h"
#include "opusperf/server/report_comparison.h"
#include "report_table.h"

namespace opusperf::cli {
namespace {

struct ReportOptions {
  std::string file;
  std::string html;
  std::string compare;
  std::optional<double> fail_over;
  std::string metric = "operations.*.p50_ms";
};

std::string human_value(const std::string& unit, double v) {
  if (unit == "ms") return human_ms(v);
  if (unit == "bytes") return human_bytes(v);
  if (unit == "percent") return fmt::format("{:.1f}%", v);
  if (unit == "per_s") return human_rate(v);
  return fmt::format("{:.4g}", v);
}

void print_comparison(const std::vector<ComparedMetric>& rows, const ReportOptions& o,
                      std::ostream& out) {
  out << fmt::format("{} compared with baseline {}\n\n", o.file, o.compare);
  std::size_t width = 6;
  for (const ComparedMetric& m : rows)
    width = std::max(width, m.name.size());
  out << fmt::format("{:<{}}  {:>12}  {:>12}  {:>9}  {:>8}  {}\n", "metric", width, "baseline",
                     "current", "change", "noise", "beyond noise");
  for (const ComparedMetric& m : rows) {
    const auto change = m.change_percent();
    const auto beyond = m.beyond_noise();
    out << fmt::format("{:<{}}  {:>12}  {:>12}  {:>9}  {:>8}  {}\n", m.name, width,
                       human_value(m.unit, m.baseline), human_value(m.unit, m.current),
                       change ? fmt::format("{:+.1f}%", *change) : std::string("-"),
                       m.noise_percent ? fmt::format("±{:.1f}%", *m.noise_percent) : "-",
                       !beyond ? "unknown" : (*beyond ? "yes" : "no"));
  }
  if (rows.empty()) out << "(the reports share no metric)\n";
}

// Returns the exit code of the --fail-over gate after printing its verdict.
int gate(const std::vector<ComparedMetric>& rows, const ReportOptions& o, std::ostream& out) {
  std::vector<const ComparedMetric*> gated;
  for (const ComparedMetric& m : rows) {
    if (metric_name_matches(o.metric, m.name)) gated.push_back(&m);
  }
  if (gated.empty()) {
    throw InputError(fmt::format(
        "--metric '{}' matches no metric the two reports share (see the table above; '*' matches "
        "any text)",
        o.metric));
  }
  int code = kExitOk;
  out << "\n";
  for (const ComparedMetric* m : gated) {
    if (!m->regressed(*o.fail_over)) continue;
    const auto change = m->change_percent();
    out << fmt::format("REGRESSION {}: {} -> {} ({}, over --fail-over {}%)\n", m->name,
                       human_value(m->unit, m->baseline), human_value(m->unit, m->current),
                       change ? fmt::format("{:+.1f}%", *change) : std::string("from 0"),
                       *o.fail_over);
    code = kExitRegression;
  }
  if (code == kExitOk) {
    out << fmt::format("ok: no metric matching '{}' ({} compared) got worse by more than {}%\n",
                       o.metric, gated.size(), *o.fail_over);
  }
  return code;
}

int run_report(const ReportOptions& o) {
  if (o.fail_over && o.compare.empty()) {
    throw InputError("--fail-over needs --compare BASELINE.json to compare against");
  }
  if (o.fail_over && !(*o.fail_over >= 0 && std::isfinite(*o.fail_over))) {
    throw InputError(fmt::format("--fail-over {}: must be a percentage >= 0", *o.fail_over));
  }
  const Report report = Report::load(o.file);
  int code = kExitOk;
  if (o.compare.empty()) {
    print_report_table(report, std::cout);
  } else {
    const Report baseline = Report::load(o.compare);
    const std::vector<ComparedMetric> rows = compare_reports(baseline, report);
    print_comparison(rows, o, std::cout);
    if (o.fail_over) code = gate(rows, o, std::cout);
  }
  if (!o.html.empty()) {
    write_file_atomically(o.html, report_page(report.json(), "opusperf report: " + o.file));
    std::cout << "\nHTML report written to " << o.html << "\n";
  }
  return code;
}

}  // namespace

void add_report_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand(
      "report", "Print a saved JSON report (opusperf.report/1), write it as HTML, or compare two");
  sub->add_option("file", o->file, "Report file written with --report")->required();
  sub->add_option("--html", o->html,
                  "Also write a self-contained HTML report with charts (opens offline)");
  sub->add_option("--compare", o->compare,
                  "Baseline report: print each shared metric side by side with the change");
  sub->add_option("--fail-over", o->fail_over,
                  "With --compare: exit 3 when a --metric got worse by more than PCT percent");
  sub->add_option("--metric", o->metric, "The metric(s) --fail-over gates, a name or a '*' pattern")
      ->capture_default_str();
  sub->callback([o, &exit_code] { exit_code = run_report(*o); });
}

}  // namespace opusperf::cli
