// The measurements of `opusperf bench alloc`: the caching allocator against the allocator it
// replaces, on the same random workload (alloc_workload.h), and the reserved memory of the
// fragmenting sequence with and without expandable segments.
//
//   HostBackend backend;
//   AllocBenchResult r = run_alloc_bench(backend, {});
//   r.speedup;            // baseline ns per op / pool ns per op
//
// The baseline is malloc/free on the host backend and the backend's own allocate/deallocate
// (cudaMalloc/cudaFree) on the CUDA backend. Neither side touches the memory it gets. The pool
// runs the workload once to fill its cache (reported as the cold run); the baseline runs it
// `baseline_warmups` times first, because glibc's malloc adapts to it (its mmap and trim
// thresholds rise as chunks are freed), and on this workload a run costs ~3x less after three
// runs than after one. Then each side runs it `repetitions` times measured, one side after the
// other (taking turns would let each evict the other's data from the caches); the figures are
// the medians of the measured runs, the speed-up the ratio of the medians.
//
// Beside them runs the floor (size_class_floor.h): the least a thread-safe caching allocator
// freed by address does (a stack of free addresses per size, an address map, a mutex; no best
// fit, splitting, merging or statistics), timed the same way as the pool. baseline / floor is the
// most speed-up any allocator of the pool's kind could show in this run.
//
// Thread-safety: runs on the calling thread; the backend must not be used by others meanwhile
// (the figures would mix).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/gpu/alloc_workload.h"
#include "opusperf/gpu/device_backend.h"

namespace opusperf::bench {

struct AllocBenchOptions {
  AllocWorkloadOptions workload;
  double memory_fraction = 0.9;  // the pool's cap, as a share of the device's memory
  int repetitions = 5;           // measured runs of each side; >= 1
  int baseline_warmups = 3;      // runs of the baseline before its measured runs; >= 0
};

// On the host backend the per-operation figures are CPU time of the benchmarking thread (user +
// kernel: the syscalls and page faults an allocator causes count), so other load on the machine
// does not inflate them. On the CUDA backend they are wall-clock time, because cudaFree waits for
// the device, which is not CPU time. The wall-clock figures are kept beside them either way.
struct AllocBenchResult {
  std::string backend;             // "host" or "cuda"
  std::string baseline;            // "malloc/free" or "cudaMalloc/cudaFree"
  std::string timing;              // "thread_cpu" or "wall": what the *_ns_per_op figures measure
  std::size_t ops = 0;             // operations per run (allocations + frees)
  int repetitions = 0;             // measured runs of each side
  double pool_ns_per_op = 0;       // median of the measured runs, after the warm-up run
  double pool_cold_ns_per_op = 0;  // the warm-up run, from an empty cache
  double baseline_ns_per_op = 0;   // median of the measured runs, after its own warm-up run
  double speedup = 0;              // baseline_ns_per_op / pool_ns_per_op
  double floor_ns_per_op = 0;      // the size-class floor's median, after its own warm-up run
  double floor_speedup = 0;        // baseline_ns_per_op / floor_ns_per_op
  double pool_wall_ns_per_op = 0;  // medians of the wall-clock figures
  double baseline_wall_ns_per_op = 0;
  std::vector<double> pool_runs_ns_per_op;  // each measured run, in order
  std::vector<double> baseline_runs_ns_per_op;
  std::vector<double> floor_runs_ns_per_op;
  std::vector<double> baseline_warmup_ns_per_op;  // the baseline's warm-up runs, in order
  std::uint64_t requests = 0;          // allocate + deallocate calls in the measured runs
  std::uint64_t upstream_calls = 0;    // backend allocations and frees in the measured runs
  double upstream_share = 0;           // upstream_calls / requests
  double upstream_share_cold = 0;      // the same for the warm-up run
  double expandable_reserved_mib = 0;  // reserved after the fragmenting sequence
  double plain_reserved_mib = 0;
};

// Runs both allocators on the workload and the fragmenting sequence on both segment kinds.
// Throws what the allocator throws (OutOfMemoryError when the device is too small), and
// std::invalid_argument when options.repetitions < 1 or options.baseline_warmups < 0.
AllocBenchResult run_alloc_bench(gpu::DeviceBackend& backend, const AllocBenchOptions& options);

// 8 x 16 MiB allocated, all freed, then 4 x 32 MiB (the sequence) on a fresh allocator.
// Returns the bytes reserved at the end, before anything is freed.
std::uint64_t fragmenting_sequence_reserved(gpu::DeviceBackend& backend, bool expandable);

}  // namespace opusperf::bench
