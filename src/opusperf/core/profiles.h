// Profiles: named starting points for an OptimizationConfig, after the original system's three.
//
//   opusperf::OptimizationConfig cfg = opusperf::profiles::production();
//   cfg.max_workers = 8;                                        // then adjust what you need
//   auto cfg2 = opusperf::profiles::by_name(flag_value);        // e.g. from --profile
//
// Each profile starts from the OptimizationConfig{} defaults (config.h) and changes only the fields
// listed below; its `profile` field is set to its name. A YAML config file names one with
// `profile:` and overrides fields on top of it (config_loader.h).
//
// Thread-safety: pure functions returning fresh values; safe from any thread.
#pragma once

#include <string_view>
#include <vector>

#include "opusperf/core/config.h"

namespace opusperf::profiles {

// For a developer's machine: quick feedback and visible tuning, small footprint.
// Caching, memory and GPU optimization on; adaptive tuning on (to watch it work) with a short 10 s
// tuning window; load balancing off (one process); max_workers 4; cache_size_limit 500; sampling
// every 1 s.
OptimizationConfig development();

// For a service in production: stable and predictable behaviour over peak speed.
// Caching, memory and GPU optimization and load balancing on; adaptive tuning OFF so settings do
// not drift under live traffic; max_workers 16; cache_size_limit 2000 entries and 1 GiB; sampling
// every 5 s (cheaper). The base when nothing else is named.
OptimizationConfig production();

// For dedicated, throughput-bound machines: every optimization on.
// All components on, plus predictive caching, mixed precision and CUDA graphs; max_workers 32;
// cache_size_limit 5000 entries and 4 GiB; load_balancing_strategy "peak_ewma" (latency-aware);
// tuning every 10 s; sampling every 1 s.
OptimizationConfig high_performance();

// Returns the profile names, in the order above: development, production, high_performance.
std::vector<std::string_view> names();

// Returns the profile called `name`. Matching treats '-' and '_' alike ("high-performance" is
// high_performance) and is otherwise exact.
// Throws ConfigError (config_error.h; empty file and key) for any other name; its message lists the
// valid names and, for a near miss, says "did you mean '<name>'?".
OptimizationConfig by_name(std::string_view name);

}  // namespace opusperf::profiles
