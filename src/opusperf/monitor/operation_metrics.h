// Per-operation measurement: what one call of a named operation cost, and the running totals of
// every call of that name.
//
// OperationProbe measures one call: wall time (steady clock), CPU time of the calling thread (user
// + system, from getrusage(RUSAGE_THREAD)), and the change in the process's resident set size.
// Reading RSS costs about 1 µs (a read of /proc/self/statm), so it is measured only for operations
// whose typical duration is at least OperationStats::kRssSamplingMinWall; for shorter ones
// rss_delta_bytes is empty rather than a number dominated by the probe's own cost. CPU time counts
// only the calling thread: work an operation hands to other threads shows in wall time, not CPU
// time.
//
// OperationStats aggregates every call of one name; OperationRegistry maps names to stats. Both are
// safe to use from many threads: recording is lock-free (atomics and a LatencyHistogram), and
// looking up a name takes a shared lock. Cost of a probe: two getrusage calls and two clock reads
// (about 0.7 µs on a 2-core VM), plus ~1 µs when RSS is sampled.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/monitor/latency_histogram.h"

namespace opusperf {

// The figures of one call of an operation.
struct OperationMetrics {
  std::string name;
  std::chrono::nanoseconds wall_time{0};
  std::chrono::nanoseconds cpu_time{0};  // calling thread, user + system
  // Change in process RSS across the call; empty when not sampled (see header comment).
  std::optional<std::int64_t> rss_delta_bytes;
  std::uint64_t units = 0;  // work items the caller said the call processed (frames, bytes, ...)
  bool succeeded = true;    // false when the operation threw

  // Returns units per second of wall time; 0 when units or wall time is 0.
  double throughput() const;
};

// Running totals for every call of one operation name.
class OperationStats {
 public:
  // Operations at least this long (by their mean so far) get RSS sampled: the ~1 µs read is then
  // under 2% of the call. The first call of a name is always sampled.
  static constexpr std::chrono::nanoseconds kRssSamplingMinWall = std::chrono::microseconds(50);

  explicit OperationStats(std::string name) : name_(std::move(name)) {}
  OperationStats(const OperationStats&) = delete;
  OperationStats& operator=(const OperationStats&) = delete;

  const std::string& name() const { return name_; }
  // Returns whether the next call should sample RSS (cheap; reads two atomics).
  bool should_sample_rss() const;
  // Adds one call's figures. Thread-safe.
  void record(const OperationMetrics& m);

  std::uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }
  std::uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  std::chrono::nanoseconds cpu_time_total() const;
  std::uint64_t units_total() const { return units_.load(std::memory_order_relaxed); }
  std::int64_t rss_delta_total() const { return rss_delta_.load(std::memory_order_relaxed); }
  std::uint64_t rss_samples() const { return rss_samples_.load(std::memory_order_relaxed); }
  // Wall time of every call, in nanoseconds.
  const LatencyHistogram& wall_ns() const { return wall_ns_; }

 private:
  const std::string name_;
  LatencyHistogram wall_ns_;
  std::atomic<std::uint64_t> calls_{0};
  std::atomic<std::uint64_t> errors_{0};
  std::atomic<std::uint64_t> cpu_ns_{0};
  std::atomic<std::uint64_t> units_{0};
  std::atomic<std::int64_t> rss_delta_{0};
  std::atomic<std::uint64_t> rss_samples_{0};
};

// Maps operation names to their stats. Entries live as long as the registry.
class OperationRegistry {
 public:
  OperationRegistry() = default;
  OperationRegistry(const OperationRegistry&) = delete;
  OperationRegistry& operator=(const OperationRegistry&) = delete;

  // Returns the stats for `name`, creating them on first use. The reference stays valid for the
  // registry's lifetime. Thread-safe.
  OperationStats& get(std::string_view name);
  // Returns every operation's stats, ordered by name.
  std::vector<const OperationStats*> all() const;

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<OperationStats>, std::less<>> by_name_;
};

// Measures one call. Construct just before the call, call finish() just after.
class OperationProbe {
 public:
  // REQUIRES: `stats` outlives the probe.
  explicit OperationProbe(OperationStats& stats, std::uint64_t units = 0);
  OperationProbe(const OperationProbe&) = delete;
  OperationProbe& operator=(const OperationProbe&) = delete;

  // Stops the measurement, records it into the stats and returns it. Call once.
  OperationMetrics finish(bool succeeded);

 private:
  OperationStats& stats_;
  std::uint64_t units_;
  bool sample_rss_;
  std::int64_t rss_before_ = 0;
  std::chrono::nanoseconds cpu_before_;
  std::chrono::steady_clock::time_point wall_before_;
};

// Returns the calling thread's CPU time (user + system).
std::chrono::nanoseconds thread_cpu_time();
// Returns this process's resident set size in bytes, or -1 when /proc/self/statm is unreadable.
std::int64_t current_rss_bytes();

}  // namespace opusperf
