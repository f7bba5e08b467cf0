// The common end of every quickstart example: print the optimizer's report as tables and save it
// as JSON when --report was given.
#pragma once

#include "command_registry.h"
#include "opusperf/optimizer/performance_optimizer.h"

namespace opusperf::cli {

void finish_quickstart(PerformanceOptimizer& optimizer, const QuickstartContext& ctx);

}  // namespace opusperf::cli
