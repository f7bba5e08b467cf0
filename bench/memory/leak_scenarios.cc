#include "bench/memory/leak_scenarios.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>

#include "opusperf/core/clock.h"
#include "opusperf/memory/memory_optimizer.h"
#include "opusperf/memory/simulated_cgroup.h"

namespace opusperf::bench {
namespace {

constexpr double kMiB = 1 << 20;
constexpr int kLeakStart = 120;

// The scripted series of a scenario: bytes a (name, owner) pair holds at second t.
class Workload {
 public:
  explicit Workload(std::string scenario) : scenario_(std::move(scenario)), rng_(20240611) {}

  // Returns {name, owner} -> bytes at second t, and sets untracked RSS on top.
  std::map<std::pair<std::string, std::string>, double> tracked(int t) {
    std::map<std::pair<std::string, std::string>, double> out;
    out[{"model.weights", "ranker"}] = 300 * kMiB;
    double decoder1 = noisy(40 * kMiB);
    double decoder2 = noisy(40 * kMiB);
    out[{"cache.entries", "smart_cache"}] = noisy(100 * kMiB);
    if (scenario_ == "steady" && t % 60 < 3) decoder1 *= 1.5;
    if (scenario_ == "leak" && t >= kLeakStart) decoder2 += (t - kLeakStart) * kMiB;
    if (scenario_ == "sawtooth") {
      const int phase = t % 20;
      out[{"batch.buffers", "batcher"}] = std::min(phase, 15) * 2 * kMiB;
    }
    out[{"decoder.frames", "decoder-1"}] = decoder1;
    out[{"decoder.frames", "decoder-2"}] = decoder2;
    return out;
  }

  // Returns the process RSS at second t given the tracked total.
  double rss(int t, double tracked_total) {
    double r = noisy(tracked_total + 200 * kMiB);
    if (scenario_ == "steady" && t % 45 < 2) r += 100 * kMiB;
    return r;
  }

 private:
  double noisy(double level) { return level * (1 + noise_(rng_)); }

  std::string scenario_;
  std::mt19937_64 rng_;
  std::uniform_real_distribution<double> noise_{-0.05, 0.05};
};

int duration_of(const std::string& scenario) {
  return scenario == "leak" ? kLeakStart + 60 : 600;
}

bool is_expected(const std::string& scenario, const MemoryLeak& leak) {
  if (scenario != "leak") return false;
  return leak.kind == "process" || (leak.kind == "name" && leak.name == "decoder.frames") ||
         (leak.kind == "owner" && leak.owner == "decoder-2");
}

}  // namespace

const std::vector<std::string>& leak_scenario_names() {
  static const std::vector<std::string> names = {"leak", "steady", "sawtooth"};
  return names;
}

LeakScenarioResult run_leak_scenario(const std::string& name,
                                     const std::filesystem::path& scratch) {
  const auto& names = leak_scenario_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    throw std::invalid_argument("unknown leak scenario '" + name + "'");
  }
  SimulatedCgroup cgroup(scratch);
  cgroup.set_memory(600 * static_cast<std::uint64_t>(kMiB),
                    4096 * static_cast<std::uint64_t>(kMiB));
  ManualClock clock;
  Registry registry;
  OptimizationConfig config;
  MemoryOptimizerOptions options;
  options.malloc_trim = false;  // no pressure here; keep the real heap out of the simulation
  MemoryOptimizer memory(config, registry, clock, cgroup.sampler(), options);
  Workload workload(name);

  LeakScenarioResult result;
  result.scenario = name;
  std::map<std::pair<std::string, std::string>, TrackedAllocation> held;
  const int duration = duration_of(name);
  for (int t = 0; t < duration; ++t) {
    double total = 0;
    for (const auto& [key, bytes] : workload.tracked(t)) {
      held[key] = memory.tracker().track(key.first, static_cast<std::uint64_t>(bytes), key.second);
      total += bytes;
    }
    cgroup.set_rss(static_cast<std::uint64_t>(workload.rss(t, total)));
    const MemoryTick tick = memory.tick();
    for (const MemoryLeak& leak : tick.new_leaks) {
      if (name == "leak" && !result.detected_after_s && leak.owner == "decoder-2") {
        result.detected_after_s = t - kLeakStart;
      }
    }
    clock.advance(std::chrono::seconds(1));
  }
  result.simulated_s = duration;

  for (const MemoryLeak& leak : memory.leak_findings()) {  // in detection order
    const std::string who = leak.owner.empty() ? leak.name : leak.name + "/" + leak.owner;
    result.flagged.push_back(
        fmt::format("{} {} {:.0f} KiB/s", leak.kind, who, leak.finding.rate_bytes_per_s / 1024));
    if (!is_expected(name, leak)) ++result.false_alarms;
    if (leak.kind == "owner" && result.blamed_owner.empty()) {
      result.blamed_owner = leak.owner;
      result.blamed_name = leak.name;
    }
  }
  return result;
}

}  // namespace opusperf::bench
