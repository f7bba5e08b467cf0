// Simulated workloads for the leak detector, run through the production MemoryOptimizer: tracked
// allocations (AllocationTracker tokens) and process RSS (a SimulatedCgroup's statm) follow a
// scripted series, one MemoryOptimizer::tick() per simulated second on a ManualClock, so ten
// simulated minutes take well under a second.
//
// Every scenario has the same background: a model's weights (constant), two decoders' frame
// queues and a cache (each a level with ±5% uniform noise every second), untracked memory, and
// RSS as their sum with its own ±5% noise. On top:
//   steady   — periodic spikes: decoder-1's queue +50% for 3 s every 60 s, RSS +100 MiB for 2 s
//              every 45 s; 10 minutes.
//   sawtooth — allocate-then-free cycles: a batcher allocates 2 MiB/s for 15 s, holds 5 s, frees
//              it all, every 20 s; 10 minutes.
//   leak     — 2 minutes of background, then decoder-2 leaks 1 MiB/s on top of its noisy queue;
//              runs 60 s into the leak.
//
// Thread-safety: each run builds its own optimizer; runs may not share a `scratch` folder.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace opusperf::bench {

struct LeakScenarioResult {
  std::string scenario;
  double simulated_s = 0;
  // Leak scenario: seconds from the leak's start to the first finding on the leaking owner.
  std::optional<double> detected_after_s;
  std::string blamed_owner;  // owner of the first owner-level finding ("" when none)
  std::string blamed_name;   // its tracked name
  // Findings on series the scenario did not make grow: every finding in steady and sawtooth; in
  // leak, any finding other than decoder-2, decoder.frames (its total) and RSS (which holds it).
  int false_alarms = 0;
  std::vector<std::string> flagged;  // every finding, "kind name[/owner] rate" for reports
};

// The scenario names, in the order `opusperf bench memory` runs them.
const std::vector<std::string>& leak_scenario_names();

// Runs one scenario, using `scratch` (created and removed) for the simulated /proc. Throws
// std::invalid_argument for an unknown name.
LeakScenarioResult run_leak_scenario(const std::string& name, const std::filesystem::path& scratch);

}  // namespace opusperf::bench
