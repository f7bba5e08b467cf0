// DeviceBackend: the upstream of the GPU runtime. It hands out device memory, runs stream work
// (copies, fills, precision conversions), records and queries events, captures stream work into
// replayable graphs and, where the device allows it, reserves address space and maps memory into
// it page by page (the basis of expandable segments).
//
//   std::unique_ptr<DeviceBackend> backend = make_backend("auto").backend;   // backend_factory.h
//   CachingAllocator alloc(*backend, CachingAllocatorOptions{});
//
// Two implementations: HostBackend (host_backend.h; page-backed host memory, events that complete
// when told; always built, for tests and CPU-only deployments) and CudaBackend (cuda/; built when
// CMake finds the CUDA toolkit). Callers never branch on which one they have.
//
// Thread-safety: every method may be called from many threads at once.
// Cost: allocate/deallocate are the expensive upstream calls the caching allocator amortises
// (an mmap or cudaMalloc: microseconds to milliseconds); the rest are cheap enqueues.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "opusperf/gpu/precision.h"

namespace opusperf::gpu {

// A stream: an ordered queue of device work. Stream{} (id 0) is the device's default stream.
struct Stream {
  std::uint64_t id = 0;
  auto operator<=>(const Stream&) const = default;
};

// A marker recorded into a stream; it completes when the work enqueued before it has finished.
struct Event {
  std::uint64_t id = 0;
  auto operator<=>(const Event&) const = default;
};

// Captured stream work that can be replayed (a CUDA graph on the CUDA backend).
struct Graph {
  std::uint64_t id = 0;
  auto operator<=>(const Graph&) const = default;
};

enum class CopyKind { kHostToDevice, kDeviceToHost, kDeviceToDevice };

struct MemoryInfo {
  std::uint64_t total_bytes = 0;  // device memory (host backend: its configured capacity)
  std::uint64_t free_bytes = 0;   // what the device could still hand out now
};

struct DeviceInfo {
  std::string backend;  // "host" or "cuda"
  std::string name;     // e.g. "NVIDIA H100 80GB HBM3", "host memory"
  int index = 0;        // device ordinal
  std::uint64_t total_bytes = 0;
  std::string compute_capability;  // "9.0" on CUDA; empty on the host backend
};

class DeviceBackend {
 public:
  virtual ~DeviceBackend() = default;

  // Returns "host" or "cuda".
  virtual std::string_view name() const = 0;
  virtual DeviceInfo info() const = 0;
  virtual MemoryInfo memory_info() const = 0;

  // ---- memory ----
  // Returns `bytes` of device memory aligned to at least 512 bytes, or nullptr when the device is
  // out of memory. Throws RuntimeError on any other failure. REQUIRES: bytes > 0.
  virtual void* allocate(std::size_t bytes) = 0;
  // REQUIRES: p came from allocate(bytes) on this backend and was not freed.
  virtual void deallocate(void* p, std::size_t bytes) = 0;
  // Returns `bytes` of host memory the device copies to and from fastest (page-locked on CUDA);
  // copies captured into graphs should use it. Throws RuntimeError when none is left.
  virtual void* allocate_host(std::size_t bytes) = 0;
  // REQUIRES: p came from allocate_host() on this backend and was not freed.
  virtual void deallocate_host(void* p) = 0;

  // ---- virtual memory (expandable segments) ----
  // Returns whether reserve_address/map/unmap work on this device.
  virtual bool supports_virtual_memory() const = 0;
  // Returns the unit (bytes) that map/unmap offsets and sizes must be multiples of.
  virtual std::size_t map_granularity() const = 0;
  // Reserves `bytes` of address space with no memory behind it. Returns nullptr when refused.
  // REQUIRES: bytes is a multiple of map_granularity().
  virtual void* reserve_address(std::size_t bytes) = 0;
  // Backs [at, at + bytes) with memory. Returns false when the device is out of memory.
  // REQUIRES: the range lies in one reservation, is granularity-aligned and is not mapped.
  virtual bool map(void* at, std::size_t bytes) = 0;
  // Returns the memory behind [at, at + bytes) to the device; the addresses stay reserved.
  // REQUIRES: the range is a union of earlier map() ranges.
  virtual void unmap(void* at, std::size_t bytes) = 0;
  // REQUIRES: base and bytes are exactly an earlier reserve_address(); nothing in it is mapped.
  virtual void release_address(void* base, std::size_t bytes) = 0;

  // ---- streams and events ----
  // Returns a new stream. Destroy it with destroy_stream().
  virtual Stream create_stream() = 0;
  // REQUIRES: s came from create_stream() and no capture is running on it.
  virtual void destroy_stream(Stream s) = 0;
  // Returns a new event (not yet recorded). Destroy it with destroy_event().
  virtual Event create_event() = 0;
  virtual void destroy_event(Event e) = 0;
  // Marks the point in `s` after all work enqueued so far.
  virtual void record_event(Event e, Stream s) = 0;
  // Returns whether the work before the event's last record has finished (true if never recorded).
  virtual bool event_completed(Event e) const = 0;
  // Blocks until every piece of work enqueued on `s` has finished.
  virtual void synchronize(Stream s) = 0;

  // ---- stream work ----
  // Each enqueues on `s` and returns at once; the work is ordered after earlier work on `s`.
  // REQUIRES: the buffers stay valid until the work has finished.
  virtual void copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, Stream s) = 0;
  virtual void fill(void* dst, std::uint8_t value, std::size_t bytes, Stream s) = 0;
  // Converts `count` elements from src to dst with precision.h's rounding and NaN rules (the same
  // on every backend). REQUIRES: src and dst are device memory.
  virtual void convert(Conversion c, const void* src, void* dst, std::size_t count, Stream s) = 0;

  // ---- graphs ----
  // From begin_capture(s) to end_capture(s), stream work enqueued on `s` (copy, fill, convert,
  // launch) is recorded, not run. REQUIRES: s is not the default stream and is not capturing;
  // nothing allocates or frees device memory, records events or synchronizes during the capture.
  virtual void begin_capture(Stream s) = 0;
  // Ends the capture and returns the recorded work as a graph (destroy it with destroy_graph()).
  // REQUIRES: begin_capture(s) was called and not yet ended.
  virtual Graph end_capture(Stream s) = 0;
  // Enqueues the graph's work on `s`, as if it were enqueued again call by call.
  virtual void launch(Graph g, Stream s) = 0;
  virtual void destroy_graph(Graph g) = 0;
};

// Returns "host_to_device", "device_to_host" or "device_to_device".
std::string_view to_string(CopyKind kind);

}  // namespace opusperf::gpu
