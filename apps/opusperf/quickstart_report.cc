#include "quickstart_report.h"

#include <iostream>

#include "report_table.h"

namespace opusperf::cli {

void finish_quickstart(PerformanceOptimizer& optimizer, const QuickstartContext& ctx) {
  const Report report = optimizer.report();
  print_report_table(report, std::cout);
  if (!ctx.report_file.empty()) {
    report.save(ctx.report_file);
    std::cout << "\nreport written to " << ctx.report_file << "\n";
  }
}

}  // namespace opusperf::cli
