#include "report_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "opusperf/core/errors.h"
#include "opusperf/monitor/report.h"
#include "report_table.h"

namespace opusperf::cli {

void add_report_command(CLI::App& app, int& exit_code) {
  auto file = std::make_shared<std::string>();
  CLI::App* sub =
      app.add_subcommand("report", "Print a saved JSON report (opusperf.report/1) as tables");
  sub->add_option("file", *file, "Report file written with --report")->required();
  sub->callback([file, &exit_code] {
    const Report report = Report::load(*file);
    print_report_table(report, std::cout);
    exit_code = kExitOk;
  });
}

}  // namespace opusperf::cli
