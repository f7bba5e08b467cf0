// CudaBackend: the DeviceBackend of an NVIDIA GPU, over the CUDA runtime (linked statically, so the
// binary needs no CUDA libraries to start) and, for expandable segments, the driver's virtual
// memory API (driver_api.h, loaded with dlopen).
//
//   std::string why;
//   if (auto cuda = CudaBackend::open(0, why)) use(*cuda);
//   else log("no GPU: " + why);            // e.g. "no CUDA device (CUDA driver version is ...)"
//
// Streams, events and graphs are the runtime's (Stream::id holds the cudaStream_t; the default
// stream is the legacy default stream). Captures use cudaStreamCaptureModeThreadLocal. Device
// memory is cudaMalloc'd; map() creates one physical allocation (cuMemCreate) per call, so unmap()
// must cover whole earlier map() ranges, as DeviceBackend requires.
//
// Thread-safety: every method may be called from many threads; each call makes the backend's
// device current on the calling thread first.
// Cost: allocate/deallocate are cudaMalloc/cudaFree (tens of µs to ms; cudaFree synchronises the
// device); stream work is an asynchronous enqueue (a few µs).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "opusperf/gpu/device_backend.h"

namespace opusperf::gpu {

namespace cuda {
struct DriverApi;
}

class CudaBackend final : public DeviceBackend {
 public:
  // Returns the backend of CUDA device `device`, or nullptr with the reason in `why` when there is
  // no driver, no device or no such ordinal. Never throws for a missing GPU.
  static std::unique_ptr<CudaBackend> open(int device, std::string& why);
  // REQUIRES: everything allocated, mapped or reserved has been given back.
  ~CudaBackend() override;
  CudaBackend(const CudaBackend&) = delete;
  CudaBackend& operator=(const CudaBackend&) = delete;

  std::string_view name() const override { return "cuda"; }
  DeviceInfo info() const override { return info_; }
  MemoryInfo memory_info() const override;

  void* allocate(std::size_t bytes) override;
  void deallocate(void* p, std::size_t bytes) override;
  // Page-locked host memory (cudaMallocHost).
  void* allocate_host(std::size_t bytes) override;
  void deallocate_host(void* p) override;

  bool supports_virtual_memory() const override { return driver_ != nullptr; }
  std::size_t map_granularity() const override { return granularity_; }
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

  // Returns why expandable segments are unavailable ("" when supports_virtual_memory()).
  const std::string& virtual_memory_note() const { return vmm_note_; }

 private:
  CudaBackend(int device, DeviceInfo info);
  // Makes this backend's device current on the calling thread.
  void activate() const;

  const int device_;
  const DeviceInfo info_;
  std::unique_ptr<cuda::DriverApi> driver_;  // null: no virtual memory management
  std::string vmm_note_;
  std::size_t granularity_ = 2 << 20;

  std::mutex mu_;
  struct Mapping {
    unsigned long long handle;  // CUmemGenericAllocationHandle
    std::size_t bytes;
  };
  std::unordered_map<std::uintptr_t, Mapping> mappings_;  // by address; guarded by mu_
};

}  // namespace opusperf::gpu
