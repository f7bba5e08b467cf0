// SystemSampler: CPU and memory figures for this process, the machine and its cgroup, read from
// /proc and /sys (Linux).
//
//   SystemSampler sampler;                 // or SystemSampler(fake_proc, fake_sys) in tests
//   SystemSample s = sampler.sample();     // first sample: CPU percentages are nullopt
//   ...                                    // some time later
//   s = sampler.sample();                  // CPU percentages over the interval since the last one
//
// What it reads (paths relative to proc_root and sys_root, so tests point them at fake trees):
//   proc/self/stat        process CPU ticks (utime + stime)
//   proc/self/statm       resident set size (falls back to VmRSS in proc/self/status)
//   proc/stat             machine CPU ticks (the aggregate "cpu" line) and the CPU count ("cpuN")
//   proc/meminfo          MemTotal, MemAvailable
//   proc/self/cgroup      which cgroup the process is in (v2 "0::/path"; v1 "N:...memory...:/path")
//   sys/fs/cgroup/...     v2: memory.current, memory.max; v1: memory/<path>/memory.usage_in_bytes,
//                         memory.limit_in_bytes. The limit is the tightest one of the cgroup and
//                         its ancestors, since any of them can trigger the OOM killer.
//   proc/pressure/memory  pressure stall information (PSI), kernels >= 4.20 with PSI enabled
//
// CPU percentages come from tick deltas only (no wall clock), so they are exact on fake trees: a
// process's CPU % is its ticks over the ticks one CPU had in the interval (100 = one full core),
// and the machine's is busy ticks over all ticks.
//
// Errors: a missing or malformed optional file never throws; its fields read nullopt (or 0) and a
// warning is logged once per sampler and file. Only an unreadable proc_root/self/stat throws
// RuntimeError, as it means proc_root is not a procfs at all.
//
// Thread-safety: not thread-safe per instance (sample() keeps the previous CPU counters); use one
// sampler per thread or guard it. Distinct instances are independent.
//
// Cost: about ten small file reads per sample(), tens of microseconds; sample every second or so,
// not per operation.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

namespace opusperf {

// Linux pressure stall information for memory (proc/pressure/memory). "some": the share of time at
// least one task was stalled on memory; "full": the share of time all non-idle tasks were. The avg
// fields are percentages (0..100) over 10 s, 60 s and 300 s; totals are cumulative microseconds.
struct MemoryPressure {
  double some_avg10 = 0, some_avg60 = 0, some_avg300 = 0;
  std::uint64_t some_total_us = 0;
  double full_avg10 = 0, full_avg60 = 0, full_avg300 = 0;
  std::uint64_t full_total_us = 0;
};

struct SystemSample {
  // This process's CPU use since the previous sample, in % of one core (can exceed 100 with
  // several threads). nullopt on the first sample, when no ticks elapsed, or when unreadable.
  std::optional<double> process_cpu_percent;
  // The machine's busy share of all CPUs since the previous sample, 0..100 (busy = all ticks
  // except idle and iowait). nullopt as for process_cpu_percent.
  std::optional<double> system_cpu_percent;
  // This process's resident set size; 0 when unreadable.
  std::uint64_t rss_bytes = 0;
  // proc/meminfo MemTotal and MemAvailable (MemFree + Buffers + Cached on kernels without it);
  // 0 when unreadable.
  std::uint64_t memory_total_bytes = 0;
  std::uint64_t memory_available_bytes = 0;
  // Which cgroup hierarchy holds this process's memory controller: 0 none found, 1 or 2.
  int cgroup_version = 0;
  // The cgroup's memory use (v2 memory.current, v1 memory.usage_in_bytes); nullopt when unknown.
  std::optional<std::uint64_t> cgroup_memory_usage_bytes;
  // The tightest memory limit on the cgroup and its ancestors; nullopt = unlimited (v2 "max"; v1's
  // sentinel >= 2^62, or any limit above physical memory) or unknown.
  std::optional<std::uint64_t> cgroup_memory_limit_bytes;
  // nullopt when proc/pressure/memory is absent or unreadable (PSI off).
  std::optional<MemoryPressure> memory_pressure;
  // Number of CPUs ("cpuN" lines in proc/stat; std::thread::hardware_concurrency() when
  // unreadable).
  unsigned cpu_count = 0;
};

// See the file comment. Not copyable (it carries per-instance CPU baselines; copy one and the two
// would report over overlapping intervals), movable.
class SystemSampler {
 public:
  explicit SystemSampler(std::filesystem::path proc_root = "/proc",
                         std::filesystem::path sys_root = "/sys");
  SystemSampler(const SystemSampler&) = delete;
  SystemSampler& operator=(const SystemSampler&) = delete;
  SystemSampler(SystemSampler&&) = default;
  SystemSampler& operator=(SystemSampler&&) = default;

  // Returns the current figures; CPU percentages cover the interval since the previous sample()
  // that produced them (a sample where no ticks elapsed keeps the older baseline).
  // Throws RuntimeError when proc_root/self/stat cannot be read; nothing else throws.
  SystemSample sample();

 private:
  struct CpuTicks {
    std::optional<std::uint64_t> process;  // utime + stime of this process; nullopt: unreadable
    std::uint64_t total = 0;               // all ticks of all CPUs
    std::uint64_t busy = 0;                // total - idle - iowait
  };

  // Logs `message` as a warning the first time `key` is seen by this sampler.
  void warn_once(const std::string& key, const std::string& message);

  std::filesystem::path proc_root_;
  std::filesystem::path sys_root_;
  std::optional<CpuTicks> previous_;
  std::set<std::string> warned_;
};

}  // namespace opusperf
