// The figures PerformanceOptimizer keeps outside its metric Registry (per-operation statistics and
// the latest system sample), as metric families, so that /metrics exposes them next to the
// registry's own and custom families.
//
//   Operations (label "operation"):
//     opusperf_operation_calls_total           counter    calls, failed ones included
//     opusperf_operation_errors_total          counter    calls that threw
//     opusperf_operation_duration_seconds      histogram  wall time of each call
//     opusperf_operation_cpu_seconds_total     counter    CPU time of the calling threads
//     opusperf_operation_units_total           counter    work units the calls reported
//   System (the monitor's latest sample; a figure the sampler could not read is left out):
//     opusperf_system_cpu_percent                   gauge  busy share of all CPUs, 0..100
//     opusperf_system_cpus                          gauge  CPUs the machine has
//     opusperf_system_memory_total_bytes            gauge
//     opusperf_system_memory_available_bytes        gauge
//     opusperf_cgroup_memory_usage_bytes            gauge
//     opusperf_cgroup_memory_limit_bytes            gauge  absent when unlimited
//     opusperf_memory_pressure_some_ratio           gauge  PSI "some" avg10, 0..1
//     opusperf_memory_pressure_full_ratio           gauge  PSI "full" avg10, 0..1
// (The process's own CPU and RSS are gauges the optimizer keeps in its registry.)
//
// Pure functions; thread-safe as long as the inputs are (OperationStats is).
#pragma once

#include <vector>

#include "opusperf/monitor/metric_registry.h"
#include "opusperf/monitor/operation_metrics.h"
#include "opusperf/monitor/system_sampler.h"

namespace opusperf {

// Returns the five operation families; each has one sample an operation, in the order given.
std::vector<FamilySnapshot> operation_families(const std::vector<const OperationStats*>& ops);

// Returns the system families of `sample`; a family whose figure is unknown has no sample.
std::vector<FamilySnapshot> system_families(const SystemSample& sample);

}  // namespace opusperf
