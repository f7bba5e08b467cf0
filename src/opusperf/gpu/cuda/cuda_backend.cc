#include "opusperf/gpu/cuda/cuda_backend.h"

#include <cuda_runtime_api.h>
#include <fmt/format.h>

#include "opusperf/core/errors.h"
#include "opusperf/gpu/cuda/conversion_kernels.h"
#include "opusperf/gpu/cuda/driver_api.h"

namespace opusperf::gpu {
namespace {

void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    throw RuntimeError(fmt::format("cuda: {} failed: {}", what, cudaGetErrorString(e)));
  }
}

cudaStream_t stream_of(Stream s) {
  return reinterpret_cast<cudaStream_t>(s.id);
}
cudaEvent_t event_of(Event e) {
  return reinterpret_cast<cudaEvent_t>(e.id);
}
cudaGraphExec_t graph_of(Graph g) {
  return reinterpret_cast<cudaGraphExec_t>(g.id);
}
CUdeviceptr device_ptr(void* p) {
  return reinterpret_cast<CUdeviceptr>(p);
}

cudaMemcpyKind kind_of(CopyKind k) {
  switch (k) {
    case CopyKind::kHostToDevice:
      return cudaMemcpyHostToDevice;
    case CopyKind::kDeviceToHost:
      return cudaMemcpyDeviceToHost;
    case CopyKind::kDeviceToDevice:
      break;
  }
  return cudaMemcpyDeviceToDevice;
}

cuda::KernelConversion kernel_of(Conversion c) {
  switch (c) {
    case Conversion::kFloatToHalf:
      return cuda::KernelConversion::kFloatToHalf;
    case Conversion::kHalfToFloat:
      return cuda::KernelConversion::kHalfToFloat;
    case Conversion::kFloatToBFloat16:
      return cuda::KernelConversion::kFloatToBFloat16;
    case Conversion::kBFloat16ToFloat:
      break;
  }
  return cuda::KernelConversion::kBFloat16ToFloat;
}

CUmemAllocationProp allocation_prop(int device) {
  CUmemAllocationProp prop{};
  prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
  prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
  prop.location.id = device;
  return prop;
}

}  // namespace

std::unique_ptr<CudaBackend> CudaBackend::open(int device, std::string& why) {
  int count = 0;
  if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
    why = fmt::format("no CUDA device ({})", cudaGetErrorString(e));
    cudaGetLastError();  // clear it, so later runtime calls do not report it
    return nullptr;
  }
  if (count == 0) {
    why = "no CUDA device (the driver reports none)";
    return nullptr;
  }
  if (device < 0 || device >= count) {
    why = fmt::format("no CUDA device {} (there are {})", device, count);
    return nullptr;
  }
  cudaDeviceProp prop{};
  cudaError_t e = cudaSetDevice(device);
  if (e == cudaSuccess) e = cudaFree(nullptr);  // creates the primary context for driver calls
  if (e == cudaSuccess) e = cudaGetDeviceProperties(&prop, device);
  if (e != cudaSuccess) {
    why = fmt::format("CUDA device {} unusable ({})", device, cudaGetErrorString(e));
    cudaGetLastError();
    return nullptr;
  }
  DeviceInfo info{"cuda", prop.name, device, static_cast<std::uint64_t>(prop.totalGlobalMem),
                  fmt::format("{}.{}", prop.major, prop.minor)};
  return std::unique_ptr<CudaBackend>(new CudaBackend(device, std::move(info)));
}

CudaBackend::CudaBackend(int device, DeviceInfo info) : device_(device), info_(std::move(info)) {
  std::string why;
  auto driver = cuda::DriverApi::load(why);
  if (driver != nullptr) {
    CUdevice dev = 0;
    int supported = 0;
    CUresult r = driver->device_get(&dev, device);
    if (r == CUDA_SUCCESS) {
      r = driver->device_get_attribute(
          &supported, CU_DEVICE_ATTRIBUTE_VIRTUAL_MEMORY_MANAGEMENT_SUPPORTED, dev);
    }
    const CUmemAllocationProp prop = allocation_prop(device);
    if (r == CUDA_SUCCESS && supported != 0) {
      r = driver->mem_get_allocation_granularity(&granularity_, &prop,
                                                 CU_MEM_ALLOC_GRANULARITY_MINIMUM);
    }
    if (r != CUDA_SUCCESS) {
      why = driver->error("virtual memory query", r);
    } else if (supported == 0) {
      why = "the device does not support virtual memory management";
    } else {
      driver_ = std::move(driver);
    }
  }
  vmm_note_ = driver_ != nullptr ? "" : why;
}

CudaBackend::~CudaBackend() = default;

void CudaBackend::activate() const {
  check(cudaSetDevice(device_), "cudaSetDevice");
}

MemoryInfo CudaBackend::memory_info() const {
  activate();
  std::size_t free_bytes = 0;
  std::size_t total = 0;
  check(cudaMemGetInfo(&free_bytes, &total), "cudaMemGetInfo");
  return MemoryInfo{total, free_bytes};
}

void* CudaBackend::allocate(std::size_t bytes) {
  activate();
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // not sticky; clear it for the next caller
    return nullptr;
  }
  check(e, "cudaMalloc");
  return p;
}

void CudaBackend::deallocate(void* p, std::size_t) {
  activate();
  check(cudaFree(p), "cudaFree");
}

void* CudaBackend::allocate_host(std::size_t bytes) {
  activate();
  void* p = nullptr;
  check(cudaMallocHost(&p, bytes), "cudaMallocHost");
  return p;
}

void CudaBackend::deallocate_host(void* p) {
  activate();
  check(cudaFreeHost(p), "cudaFreeHost");
}

void* CudaBackend::reserve_address(std::size_t bytes) {
  if (driver_ == nullptr) return nullptr;
  activate();
  CUdeviceptr p = 0;
  if (driver_->mem_address_reserve(&p, bytes, granularity_, 0, 0) != CUDA_SUCCESS) return nullptr;
  return reinterpret_cast<void*>(p);
}

bool CudaBackend::map(void* at, std::size_t bytes) {
  if (driver_ == nullptr) throw RuntimeError("cuda: map() without virtual memory support");
  activate();
  const CUmemAllocationProp prop = allocation_prop(device_);
  CUmemGenericAllocationHandle handle = 0;
  CUresult r = driver_->mem_create(&handle, bytes, &prop, 0);
  if (r == CUDA_ERROR_OUT_OF_MEMORY) return false;
  if (r != CUDA_SUCCESS) throw RuntimeError("cuda: " + driver_->error("cuMemCreate", r));
  r = driver_->mem_map(device_ptr(at), bytes, 0, handle, 0);
  if (r == CUDA_SUCCESS) {
    CUmemAccessDesc access{};
    access.location = prop.location;
    access.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    r = driver_->mem_set_access(device_ptr(at), bytes, &access, 1);
    if (r != CUDA_SUCCESS) driver_->mem_unmap(device_ptr(at), bytes);
  }
  if (r != CUDA_SUCCESS) {
    driver_->mem_release(handle);
    if (r == CUDA_ERROR_OUT_OF_MEMORY) return false;
    throw RuntimeError("cuda: " + driver_->error("cuMemMap", r));
  }
  std::lock_guard lock(mu_);
  mappings_[reinterpret_cast<std::uintptr_t>(at)] = Mapping{handle, bytes};
  return true;
}

void CudaBackend::unmap(void* at, std::size_t bytes) {
  activate();
  auto p = reinterpret_cast<std::uintptr_t>(at);
  const std::uintptr_t end = p + bytes;
  std::lock_guard lock(mu_);
  while (p < end) {
    const auto it = mappings_.find(p);
    if (it == mappings_.end()) {
      throw RuntimeError(fmt::format("cuda: unmap of {:#x}, which no map() started", p));
    }
    const Mapping m = it->second;
    CUresult r = driver_->mem_unmap(static_cast<CUdeviceptr>(p), m.bytes);
    if (r == CUDA_SUCCESS) r = driver_->mem_release(m.handle);
    if (r != CUDA_SUCCESS) throw RuntimeError("cuda: " + driver_->error("cuMemUnmap", r));
    mappings_.erase(it);
    p += m.bytes;
  }
}

void CudaBackend::release_address(void* base, std::size_t bytes) {
  activate();
  const CUresult r = driver_->mem_address_free(device_ptr(base), bytes);
  if (r != CUDA_SUCCESS) throw RuntimeError("cuda: " + driver_->error("cuMemAddressFree", r));
}

Stream CudaBackend::create_stream() {
  activate();
  cudaStream_t s = nullptr;
  check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), "cudaStreamCreate");
  return Stream{reinterpret_cast<std::uint64_t>(s)};
}

void CudaBackend::destroy_stream(Stream s) {
  activate();
  check(cudaStreamDestroy(stream_of(s)), "cudaStreamDestroy");
}

Event CudaBackend::create_event() {
  activate();
  cudaEvent_t e = nullptr;
  check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "cudaEventCreate");
  return Event{reinterpret_cast<std::uint64_t>(e)};
}

void CudaBackend::destroy_event(Event e) {
  activate();
  check(cudaEventDestroy(event_of(e)), "cudaEventDestroy");
}

void CudaBackend::record_event(Event e, Stream s) {
  activate();
  check(cudaEventRecord(event_of(e), stream_of(s)), "cudaEventRecord");
}

bool CudaBackend::event_completed(Event e) const {
  activate();
  const cudaError_t r = cudaEventQuery(event_of(e));
  if (r == cudaErrorNotReady) {
    cudaGetLastError();
    return false;
  }
  check(r, "cudaEventQuery");
  return true;
}

void CudaBackend::synchronize(Stream s) {
  activate();
  check(cudaStreamSynchronize(stream_of(s)), "cudaStreamSynchronize");
}

void CudaBackend::copy(void* dst, const void* src, std::size_t bytes, CopyKind kind, Stream s) {
  activate();
  check(cudaMemcpyAsync(dst, src, bytes, kind_of(kind), stream_of(s)), "cudaMemcpyAsync");
}

void CudaBackend::fill(void* dst, std::uint8_t value, std::size_t bytes, Stream s) {
  activate();
  check(cudaMemsetAsync(dst, value, bytes, stream_of(s)), "cudaMemsetAsync");
}

void CudaBackend::convert(Conversion c, const void* src, void* dst, std::size_t count, Stream s) {
  activate();
  check(cuda::launch_conversion(kernel_of(c), src, dst, count, stream_of(s)),
        "conversion kernel launch");
}

void CudaBackend::begin_capture(Stream s) {
  activate();
  check(cudaStreamBeginCapture(stream_of(s), cudaStreamCaptureModeThreadLocal),
        "cudaStreamBeginCapture");
}

Graph CudaBackend::end_capture(Stream s) {
  activate();
  cudaGraph_t graph = nullptr;
  check(cudaStreamEndCapture(stream_of(s), &graph), "cudaStreamEndCapture");
  cudaGraphExec_t exec = nullptr;
  const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);  // the executable graph does not need it
  check(e, "cudaGraphInstantiate");
  return Graph{reinterpret_cast<std::uint64_t>(exec)};
}

void CudaBackend::launch(Graph g, Stream s) {
  activate();
  check(cudaGraphLaunch(graph_of(g), stream_of(s)), "cudaGraphLaunch");
}

void CudaBackend::destroy_graph(Graph g) {
  activate();
  check(cudaGraphExecDestroy(graph_of(g)), "cudaGraphExecDestroy");
}

}  // namespace opusperf::gpu
