// The random allocation workload of `opusperf bench alloc`: RMM's random_allocations benchmark
// (benchmarks/random_allocations). Each step allocates with probability 73% (while fewer than the
// planned allocations were made and less than max_usage is live), else frees a live allocation
// chosen at random; sizes are uniform in [1, max_size]. The workload ends when every allocation
// has been freed, so `operations` = 2 x allocations.
//
//   const AllocWorkload w = make_alloc_workload({.operations = 100'000});
//   ReplayTime t = replay(w, [](std::size_t n) { return std::malloc(n); },
//                         [](void* p, std::size_t) { std::free(p); });
//
// A workload is generated once and replayed against each allocator, so every allocator sees the
// same sequence. Thread-safety: a value type; replay() runs on the calling thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace opusperf::bench {

struct AllocWorkloadOptions {
  std::size_t operations = 100'000;              // allocations + frees; even, >= 2
  std::size_t max_size = 1 << 20;                // sizes are uniform in [1, max_size]
  std::size_t max_usage = std::size_t{1} << 30;  // no new allocation while this much is live
  int allocate_percent = 73;                     // chance that a step allocates, in percent
  std::uint64_t seed = 42;
};

struct AllocOp {
  bool allocate = false;
  // allocate: the size in bytes; free: the index in the list of live allocations, which replay
  // keeps by swapping the freed entry with the last and popping it.
  std::size_t value = 0;
};

struct AllocWorkload {
  std::vector<AllocOp> ops;
  std::size_t allocations = 0;
  std::size_t peak_live_bytes = 0;
};

// Returns the workload. REQUIRES: operations >= 2 and even, max_size >= 1, max_usage >= max_size,
// allocate_percent in [1, 99] (throws std::invalid_argument otherwise).
AllocWorkload make_alloc_workload(const AllocWorkloadOptions& options);

// Wall-clock and CPU time of one replay. CPU time is the replaying thread's (user + kernel, so
// the mmap/munmap and page faults an allocator causes count), and unlike wall time it does not
// grow when other processes share the CPU.
struct ReplayTime {
  std::chrono::nanoseconds wall{0};
  std::chrono::nanoseconds cpu{0};
};

// Returns the calling thread's CPU time so far.
std::chrono::nanoseconds thread_cpu_time();

// Runs the workload with alloc(size) -> void* and release(void*, size). Returns the time of the
// whole sequence (bookkeeping included, the same for every allocator).
template <class Alloc, class Release>
ReplayTime replay(const AllocWorkload& w, Alloc&& alloc, Release&& release) {
  struct Live {
    void* p;
    std::size_t size;
  };
  std::vector<Live> live;
  live.reserve(w.allocations);
  const auto start = std::chrono::steady_clock::now();
  const auto cpu_start = thread_cpu_time();
  for (const AllocOp& op : w.ops) {
    if (op.allocate) {
      live.push_back({alloc(op.value), op.value});
    } else {
      release(live[op.value].p, live[op.value].size);
      live[op.value] = live.back();
      live.pop_back();
    }
  }
  return {std::chrono::steady_clock::now() - start, thread_cpu_time() - cpu_start};
}

}  // namespace opusperf::bench
