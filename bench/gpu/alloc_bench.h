// The measurements of `opusperf bench alloc`: the caching allocator against the allocator it
// replaces, on the same random workload (alloc_workload.h), and the reserved memory of the
// fragmenting sequence with and without expandable segments.
//
//   HostBackend backend;
//   AllocBenchResult r = run_alloc_bench(backend, {});
//   r.speedup;            // baseline ns per op / pool ns per op
//
// The baseline is malloc/free on the host backend and the backend's own allocate/deallocate
// (cudaMalloc/cudaFree) on the CUDA backend. Neither side touches the memory it gets. Each side
// runs the workload once to warm up (the pool fills its cache, malloc its heap) and once measured;
// the pool's first run is reported too.
//
// Thread-safety: runs on the calling thread; the backend must not be used by others meanwhile
// (the figures would mix).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/gpu/alloc_workload.h"
#include "opusperf/gpu/device_backend.h"

namespace opusperf::bench {

struct AllocBenchOptions {
  AllocWorkloadOptions workload;
  double memory_fraction = 0.9;  // the pool's cap, as a share of the device's memory
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
  double pool_ns_per_op = 0;       // measured run, after the warm-up run
  double pool_cold_ns_per_op = 0;  // the warm-up run, from an empty cache
  double baseline_ns_per_op = 0;   // measured run, after its own warm-up run
  double speedup = 0;              // baseline_ns_per_op / pool_ns_per_op
  double pool_wall_ns_per_op = 0;
  double baseline_wall_ns_per_op = 0;
  std::uint64_t requests = 0;          // allocate + deallocate calls in the measured run
  std::uint64_t upstream_calls = 0;    // backend allocations and frees in the measured run
  double upstream_share = 0;           // upstream_calls / requests
  double upstream_share_cold = 0;      // the same for the warm-up run
  double expandable_reserved_mib = 0;  // reserved after the fragmenting sequence
  double plain_reserved_mib = 0;
};

// Runs both allocators on the workload and the fragmenting sequence on both segment kinds.
// Throws what the allocator throws (OutOfMemoryError when the device is too small).
AllocBenchResult run_alloc_bench(gpu::DeviceBackend& backend, const AllocBenchOptions& options);

// 8 x 16 MiB allocated, all freed, then 4 x 32 MiB (the sequence) on a fresh allocator.
// Returns the bytes reserved at the end, before anything is freed.
std::uint64_t fragmenting_sequence_reserved(gpu::DeviceBackend& backend, bool expandable);

}  // namespace opusperf::bench
