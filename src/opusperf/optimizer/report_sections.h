// The JSON sections of a Report that the optimizer itself fills (system, operations) and the
// placeholder for a component that is not running. Used by PerformanceOptimizer::report().
//
// Units in every section: durations in milliseconds (keys end in _ms), sizes in bytes (_bytes),
// shares in percent (_percent). Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "opusperf/monitor/operation_metrics.h"
#include "opusperf/monitor/system_sampler.h"

namespace opusperf {

struct SystemPoint;

nlohmann::json system_sample_json(const SystemSample& s);
nlohmann::json system_point_json(const SystemPoint& p);
nlohmann::json operation_stats_json(const OperationStats& stats);
// The section for a component that is not running: {"enabled": false, "requested": ..., "reason"}.
nlohmann::json disabled_section_json(bool requested_in_config, std::string_view reason);

}  // namespace opusperf
