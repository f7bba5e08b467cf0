// BalancerSnapshot: a LoadBalancer's state at one moment, as a plain value — what the `balance`
// report section, the quickstart tables and tests read.
//
// Units: seconds in the struct (_s), milliseconds in JSON (_ms, as every report section), latency
// histograms in nanoseconds, shares in percent.
//
// Thread-safety: plain value types; to_json is a pure function.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "opusperf/balance/health_tracker.h"
#include "opusperf/core/clock.h"
#include "opusperf/monitor/latency_histogram.h"

namespace opusperf {

struct WorkerSnapshot {
  std::string name;
  double weight = 1.0;
  double effective_weight = 1.0;  // with slow start, as of the last pick
  HealthState state = HealthState::kHealthy;
  std::uint32_t in_flight = 0;
  std::uint32_t reported_load = 0;
  std::uint64_t requests = 0;  // dispatched
  std::uint64_t errors = 0;
  std::uint64_t ejections = 0;
  double share_percent = 0.0;    // of all requests dispatched by the balancer
  double latency_ewma_s = 0.0;   // peak EWMA, errors penalised, decayed to the snapshot's time
  double service_time_s = 0.0;   // busy time per completion; 0 = unknown
  double ejected_for_s = 0.0;    // time left of the current ejection; 0 unless ejected
  HistogramSnapshot latency_ns;  // successful requests, pick to done
};

struct BalancerSnapshot {
  std::string name;
  std::string policy;
  bool panic = false;
  std::uint64_t requests = 0;
  std::uint64_t errors = 0;
  std::uint64_t ejections = 0;
  std::vector<WorkerSnapshot> workers;
  // The most recent health events, oldest first (at most LoadBalancer::kRecentEvents).
  std::vector<HealthEvent> recent_events;
  Clock::time_point started{};  // when the balancer was built; event times count from it
  Clock::time_point taken{};    // when this snapshot was taken
};

// Returns the snapshot as JSON: {"name", "policy", "panic", "requests", "errors", "ejections",
// "workers": [{"name", "weight", "effective_weight", "state", "in_flight", "reported_load",
// "requests", "errors", "ejections", "share_percent", "latency_ewma_ms", "service_time_ms",
// "ejected_for_ms", "latency_ms": {"count", "p50", "p99", "max"}}], "recent_events": [{"at_ms",
// "event", "worker", "reason", "ejection_ms"}]}.
nlohmann::json to_json(const BalancerSnapshot& snapshot);

}  // namespace opusperf
