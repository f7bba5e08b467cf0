// MemoryOptimizer: watches this process's memory where it matters (its RSS, its cgroup's usage
// against the cgroup limit, memory pressure stalls), answers pressure by releasing what can be
// rebuilt, and finds leaks and who is leaking.
//
//   MemoryOptimizer memory(config, registry);        // or with a ManualClock, a fake sampler
//   memory.start();                                  // a tick every monitoring_interval
//   auto h = memory.trimmers().add(buffer_pool_trimmer(my_pool, "my_pool"));
//   Buffer frame = memory.frame_pool().acquire(bytes);   // the optimizer's own frame pool
//   TrackedAllocation t = memory.tracker().track("model.weights", n, "ranker");
//   MemoryResponse r = memory.optimize_memory();     // trim everything now
//   nlohmann::json section = memory.report_json();   // the report's "memory" section
//
// A tick samples (SystemSampler, mallinfo2), classifies the level (PressureClassifier: thresholds
// from the config, with hysteresis), and at elevated or above runs one response: trimmers in
// priority order until enough is freed to fall back under the elevated exit threshold (all of them
// at critical), then malloc_trim(0). Responses are at most one per cooldown, except that a higher
// level than the last response's may respond at once. Every response is logged (spdlog) and kept
// for the report with what each trimmer freed and the RSS before and after. The same tick feeds
// the leak detector with RSS and every tracked name and (name, owner) pair, and logs new leaks.
//
// The frame pool (a BufferPool with the frame size classes) is registered as trimmer
// "frame_pool"; the tracker's figures are exported as metrics through the Registry.
//
// Leak detection runs on the ticks, so its latency scales with monitoring_interval: with the
// LeakDetector defaults a steady leak is flagged about 24 ticks after it starts (24 s at the
// default 1 s interval, 2 min at the production profile's 5 s).
//
// Thread-safety: every public method may be called from many threads. Ticks and responses are
// serialised. report_json() lists the trimmers, so it waits while a response runs them; the other
// readers do not. A trimmer must not call back into its MemoryOptimizer. stop() (and the
// destructor) wake the background thread through a condition variable and join it: it returns
// within one tick, not one interval.
// Cost of a tick: one SystemSampler sample (tens of µs), mallinfo2, and the leak detector's fits
// (~20 µs a series).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "opusperf/core/clock.h"
#include "opusperf/core/config.h"
#include "opusperf/memory/allocation_tracker.h"
#include "opusperf/memory/buffer_pool.h"
#include "opusperf/memory/leak_detector.h"
#include "opusperf/memory/memory_response.h"
#include "opusperf/memory/memory_state.h"
#include "opusperf/memory/pressure_level.h"
#include "opusperf/memory/trimmer.h"
#include "opusperf/monitor/history.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/monitor/system_sampler.h"

namespace opusperf {

// Settings not in OptimizationConfig, with their defaults.
struct MemoryOptimizerOptions {
  // Shortest time between two pressure responses (a higher level may respond sooner). Default
  // 30 s: long enough for freed memory to show in the cgroup's usage and in PSI's 10 s average.
  std::chrono::nanoseconds cooldown = std::chrono::seconds(30);
  // Hysteresis: a level is left when the usage share falls this far below its threshold (share
  // units), or PSI below (1 - psi_hysteresis) of its threshold. Defaults 0.05 and 0.25.
  double share_hysteresis = 0.05;
  double psi_hysteresis = 0.25;
  // Return free heap pages to the OS with malloc_trim(0) after the trimmers. Default on.
  bool malloc_trim = true;
  // Responses kept for the report (older ones are dropped; counts stay). Default 64.
  std::size_t response_history = 64;
  // The optimizer's own frame pool.
  BufferPoolOptions frame_pool;
  // Leak detection. When monitoring_interval is longer than leaks.resolution, the resolution
  // becomes the interval and the window at least 8 of them.
  LeakDetectorOptions leaks;
};

// A leak finding with what its series stands for.
struct MemoryLeak {
  std::string kind;   // "process" (RSS), "name" (a tracked name's total) or "owner" (one pair)
  std::string name;   // "rss" for the process, else the tracked name
  std::string owner;  // for kind "owner"
  LeakFinding finding;
};

// What one tick saw and did.
struct MemoryTick {
  MemoryState state;
  PressureLevel level = PressureLevel::kNormal;
  std::optional<MemoryResponse> response;  // set when the tick responded
  bool skipped_in_cooldown = false;        // pressure, but the cooldown held the response back
  std::vector<MemoryLeak> new_leaks;       // series flagged by this tick
};

class MemoryOptimizer {
 public:
  // REQUIRES: config passes validate(); `metrics` and `clock` outlive this. Throws
  // std::invalid_argument on bad options.
  MemoryOptimizer(const OptimizationConfig& config, Registry& metrics,
                  Clock& clock = SteadyClock::instance(), SystemSampler sampler = SystemSampler(),
                  MemoryOptimizerOptions options = {});
  // Stops the background thread.
  ~MemoryOptimizer();
  MemoryOptimizer(const MemoryOptimizer&) = delete;
  MemoryOptimizer& operator=(const MemoryOptimizer&) = delete;

  // Starts the background thread, which calls tick() every config.monitoring_interval (real
  // time). No-op when already running.
  void start();
  // Stops and joins the background thread; returns promptly. No-op when not running.
  void stop();

  // Samples, classifies, responds if due, and feeds the leak detector; returns what it did.
  // Throws RuntimeError when the sampler cannot read proc_root/self/stat.
  MemoryTick tick();
  // Runs a full response now (every trimmer at kCritical, then malloc_trim), whatever the level
  // and cooldown, and returns it. It starts a new cooldown.
  MemoryResponse optimize_memory();

  BufferPool& frame_pool() { return frame_pool_; }
  AllocationTracker& tracker() { return tracker_; }
  TrimmerRegistry& trimmers() { return trimmers_; }
  const LeakDetector& leaks() const { return leaks_; }

  // Returns the level of the last tick (kNormal before the first).
  PressureLevel level() const;
  // Returns every leak finding (active and resolved) in detection order.
  std::vector<MemoryLeak> leak_findings() const;
  // Returns the responses kept, oldest first.
  std::vector<MemoryResponse> responses() const { return responses_.snapshot(); }
  // Returns the report's "memory" section ("enabled": true, the state, thresholds, responses,
  // trimmers, frame pool, tracked allocations and leaks).
  nlohmann::json report_json() const;

 private:
  // What a leak-detector series stands for.
  struct SeriesInfo {
    std::string kind;  // "process", "name" or "owner"
    std::string name;
    std::string owner;
  };
  struct Metrics;

  MemoryResponse respond(PressureLevel level, std::string reason, const MemoryState& state,
                         std::uint64_t target_bytes);
  std::uint64_t bytes_needed(const MemoryState& state) const;
  std::vector<MemoryLeak> observe_leaks(const MemoryState& state);
  // Returns f with what its series stands for. REQUIRES: state_mu_ or tick_mu_ held.
  MemoryLeak describe(const LeakFinding& f) const;
  void export_metrics(const MemoryState& state, PressureLevel level);
  nlohmann::json leaks_json() const;
  void run();

  const OptimizationConfig config_;
  const MemoryOptimizerOptions options_;
  Clock& clock_;
  const Clock::time_point started_;

  AllocationTracker tracker_;
  BufferPool frame_pool_;
  TrimmerRegistry trimmers_;
  TrimmerRegistry::Handle frame_pool_trimmer_;
  LeakDetector leaks_;
  std::unique_ptr<Metrics> metrics_;

  std::mutex tick_mu_;  // serialises ticks and responses; guards the fields below it
  SystemSampler sampler_;
  PressureClassifier classifier_;
  std::optional<Clock::time_point> last_response_at_;
  PressureLevel last_response_level_ = PressureLevel::kNormal;

  mutable std::mutex state_mu_;  // guards what the report reads
  std::optional<MemoryState> last_state_;
  PressureLevel level_ = PressureLevel::kNormal;
  std::uint64_t ticks_ = 0;
  std::uint64_t level_changes_ = 0;
  std::uint64_t responses_total_ = 0;
  std::uint64_t skipped_in_cooldown_ = 0;
  std::uint64_t freed_total_bytes_ = 0;
  History<MemoryResponse> responses_;
  std::map<std::string, SeriesInfo, std::less<>> series_;  // leak-detector series ids

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;  // guarded by run_mu_
  std::thread thread_;     // guarded by run_mu_ for start/stop
};

}  // namespace opusperf
