// SimulatedCgroup: a /proc and /sys overlay, under a folder of its own, in which this process
// appears to run in a cgroup v2 whose memory usage and limit (and memory PSI) are whatever the
// caller sets. Everything else the SystemSampler reads (self/stat, self/statm, stat, meminfo) is a
// symbolic link to the real /proc, so RSS and CPU figures stay real (unless set_rss() simulates
// RSS too).
//
//   SimulatedCgroup cg(temp_dir / "cg");
//   cg.set_memory(/*usage=*/920 << 20, /*limit=*/1000 << 20);      // 92% of the limit
//   MemoryOptimizer memory(config, registry, clock, cg.sampler());
//
// For tests and demonstrations of pressure responses without pressing a real machine. The limit
// must not exceed physical memory (the sampler ignores such limits, as the kernel does).
//
// Thread-safety: setters rewrite files; do not call them while a sampler reads the same overlay
// from another thread unless a torn read (one file old, one new) is acceptable.
// Cost: a few small file writes per setter.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "opusperf/monitor/system_sampler.h"

namespace opusperf {

class SimulatedCgroup {
 public:
  // Creates the overlay under `root` (which must not exist yet or be an empty folder; throws
  // RuntimeError when it cannot be written). The cgroup starts at usage 0, limit "max", no PSI.
  explicit SimulatedCgroup(std::filesystem::path root);
  // Removes `root` and everything under it.
  ~SimulatedCgroup();
  SimulatedCgroup(const SimulatedCgroup&) = delete;
  SimulatedCgroup& operator=(const SimulatedCgroup&) = delete;

  // Sets memory.current and memory.max of the simulated cgroup.
  void set_memory(std::uint64_t usage_bytes, std::uint64_t limit_bytes);
  // Writes proc/pressure/memory with these avg10 figures (avg60/avg300 equal to them).
  void set_pressure(double some_avg10, double full_avg10);
  // Removes proc/pressure/memory (PSI unavailable).
  void clear_pressure();
  // Makes self/statm report `rss_bytes` (rounded down to pages) instead of the real RSS, for
  // simulated workloads. Until called, RSS is real.
  void set_rss(std::uint64_t rss_bytes);

  const std::filesystem::path& proc_root() const { return proc_; }
  const std::filesystem::path& sys_root() const { return sys_; }
  // Returns a sampler reading this overlay.
  SystemSampler sampler() const { return SystemSampler(proc_, sys_); }

 private:
  void write(const std::filesystem::path& file, const std::string& text) const;

  std::filesystem::path root_;
  std::filesystem::path proc_;
  std::filesystem::path sys_;
  std::filesystem::path cgroup_dir_;
};

}  // namespace opusperf
