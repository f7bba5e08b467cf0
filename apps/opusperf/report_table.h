// Prints a Report as readable tables: the run's header, system figures, one row an operation, and a
// line a component. Used by `opusperf report FILE` and at the end of `opusperf quickstart`.
// Missing or null fields print as "-" (reports from older or partial runs still print).
#pragma once

#include <ostream>

#include "opusperf/monitor/report.h"

namespace opusperf::cli {

void print_report_table(const Report& report, std::ostream& out);

}  // namespace opusperf::cli
