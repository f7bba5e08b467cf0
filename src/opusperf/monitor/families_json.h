// Metric families as JSON, so that every family of a run's Registry (the runtime's and a service's
// custom counters, gauges and histograms) appears in every report (PerformanceOptimizer::report)
// and on the dashboard, next to /metrics.
//
//   [{"name": "frames_total", "help": "...", "type": "counter", "labels": ["stage"],
//     "samples": [{"labels": {"stage": "decode"}, "value": 120}]},
//    {"name": "step_seconds", "type": "histogram", ...,
//     "samples": [{"labels": {}, "count": 40, "sum": 1.9, "mean": 0.0475, "p50": 0.041,
//                  "p90": 0.07, "p99": 0.09, "max": 0.1}]}]
//
// Histogram figures are in the unit /metrics uses (seconds for a "_seconds" family, which records
// nanoseconds; the recorded unit otherwise). Pure function; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "opusperf/monitor/metric_registry.h"

namespace opusperf {

// Returns whether a histogram family called `name` holds nanoseconds to expose as seconds (the
// naming convention of /metrics: a "_seconds" family).
inline bool histogram_in_seconds(std::string_view name) {
  return name.ends_with("_seconds");
}

// Returns `families` as a JSON array in the shape above, in the given order.
nlohmann::json families_json(const std::vector<FamilySnapshot>& families);

}  // namespace opusperf
