// HostBackend: a DeviceBackend whose "device memory" is host memory, so the GPU runtime's logic
// runs and is tested on machines without a GPU and serves CPU-only deployments.
//
//   HostBackend backend({.capacity_bytes = 1ull << 30, .manual_event_completion = true});
//   CachingAllocator alloc(backend, {});
//   ... backend.complete_stream(s);     // the work on s "finishes" when the test says so
//
// Memory is page-backed: each allocate() is its own anonymous mapping (mmap, MAP_NORESERVE), so
// untouched memory costs address space only, and deallocate() returns it to the kernel at once.
// Virtual memory is real too: reserve_address() maps PROT_NONE, map() makes pages read-write and
// unmap() drops them (madvise DONTNEED) and makes them inaccessible again. The backend refuses
// allocate()/map() beyond capacity_bytes, like a device that is full.
//
// Stream work (copy, fill, convert) runs synchronously on the calling thread, so results are ready
// when the call returns; during a capture it is recorded instead and a graph launch re-runs it.
// Events complete as they are recorded, unless manual_event_completion is set: then they stay
// pending until complete_stream(), complete_all() or synchronize() says the work has finished,
// which lets tests hold a stream's work "in flight".
//
// Thread-safety: every method may be called from many threads.
// Cost: allocate/deallocate are an mmap/munmap (a few µs); event and capture bookkeeping takes a
// mutex; copy/fill/convert cost what memcpy/memset/convert() cost.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "opusperf/gpu/device_backend.h"

namespace opusperf::gpu {

struct HostBackendOptions {
  // Bytes of memory the backend reports as the device's total and will hand out (allocated plus
  // mapped); 0 means the machine's physical memory.
  std::uint64_t capacity_bytes = 0;
  // false: events complete when recorded (host work is synchronous). true: they complete only when
  // told (complete_stream, complete_all, synchronize); for tests.
  bool manual_event_completion = false;
  // Whether reserve_address/map/unmap are offered (supports_virtual_memory()); false simulates a
  // device without virtual memory management, where expandable segments fall back to plain ones.
  bool virtual_memory = true;
};

class HostBackend final : public DeviceBackend {
 public:
  explicit HostBackend(HostBackendOptions options = {});
  // REQUIRES: everything allocated, mapped or reserved has been given back.
  ~HostBackend() override;
  HostBackend(const HostBackend&) = delete;
  HostBackend& operator=(const HostBackend&) = delete;

  std::string_view name() const override { return "host"; }
  DeviceInfo info() const override;
  MemoryInfo memory_info() const override;

  void* allocate(std::size_t bytes) override;
  void deallocate(void* p, std::size_t bytes) override;
  // Host memory is host memory: plain aligned heap memory, not counted against the capacity.
  void* allocate_host(std::size_t bytes) override;
  void deallocate_host(void* p) override;

  bool supports_virtual_memory() const override { return virtual_memory_; }
  std::size_t map_granularity() const override { return page_size_; }
  void* reserve_address(std::size_t bytes) override;
  bool map(void* at, std::size_t bytes) override;
  void unmap(void* at, std::size_t bytes) override;
  void release_address(void* base, std::size_t bytes) override;

  Stream create_stream() override;
  void destroy_stream(Stream s) override;
  Event create_event() override;
  void destroy_event(Event e) override;
  void record_event(Event e, Stream s) override;
  bool event_completed(Event e) const override;
  void synchronize(Stream s) override;

  void copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, Stream s) override;
  void fill(void* dst, std::uint8_t value, std::size_t bytes, Stream s) override;
  void convert(Conversion c, const void* src, void* dst, std::size_t count, Stream s) override;

  void begin_capture(Stream s) override;
  Graph end_capture(Stream s) override;
  void launch(Graph g, Stream s) override;
  void destroy_graph(Graph g) override;

  // Completes every event recorded on `s` so far. Returns how many were pending.
  std::size_t complete_stream(Stream s);
  // Completes every pending event. Returns how many were pending.
  std::size_t complete_all();

  // Upstream call counters and the bytes currently allocated plus mapped, for tests and benches.
  std::uint64_t allocate_calls() const { return allocate_calls_.load(std::memory_order_relaxed); }
  std::uint64_t map_calls() const { return map_calls_.load(std::memory_order_relaxed); }
  std::uint64_t bytes_in_use() const { return in_use_.load(std::memory_order_relaxed); }

 private:
  using Work = std::function<void()>;
  struct EventState {
    bool pending = false;
    Stream stream;
  };

  // Reserves `bytes` of capacity; returns false (reserving nothing) when it would exceed it.
  bool take_capacity(std::uint64_t bytes);
  // Runs `work` now, or appends it to the capture running on `s`.
  void submit(Stream s, Work work);
  std::size_t complete_where(const std::function<bool(const EventState&)>& which);

  const std::size_t page_size_;
  const std::uint64_t capacity_;
  const bool manual_events_;
  const bool virtual_memory_;
  std::atomic<std::uint64_t> in_use_{0};
  std::atomic<std::uint64_t> allocate_calls_{0};
  std::atomic<std::uint64_t> map_calls_{0};
  std::atomic<std::uint64_t> next_id_{1};  // streams, events and graphs; 0 is "none"/default

  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, EventState> events_;           // guarded by mu_
  std::unordered_map<std::uint64_t, std::vector<Work>> captures_;  // by stream; guarded by mu_
  std::unordered_map<std::uint64_t, std::vector<Work>> graphs_;    // guarded by mu_
};

}  // namespace opusperf::gpu
