// DriverApi: the CUDA driver's virtual memory functions (cuMemAddressReserve, cuMemCreate,
// cuMemMap, ...), which the runtime API does not offer, loaded from libcuda.so.1 with dlopen so the
// binary links no driver library and still starts on machines without one.
//
// Thread-safety: the functions are the driver's own, thread-safe; loading happens once, in load().
#pragma once

#include <cuda.h>

#include <memory>
#include <string>

namespace opusperf::gpu::cuda {

struct DriverApi {
  CUresult (*get_error_string)(CUresult, const char**) = nullptr;
  CUresult (*device_get)(CUdevice*, int) = nullptr;
  CUresult (*device_get_attribute)(int*, CUdevice_attribute, CUdevice) = nullptr;
  CUresult (*mem_get_allocation_granularity)(std::size_t*, const CUmemAllocationProp*,
                                             CUmemAllocationGranularity_flags) = nullptr;
  CUresult (*mem_address_reserve)(CUdeviceptr*, std::size_t, std::size_t, CUdeviceptr,
                                  unsigned long long) = nullptr;
  CUresult (*mem_address_free)(CUdeviceptr, std::size_t) = nullptr;
  CUresult (*mem_create)(CUmemGenericAllocationHandle*, std::size_t, const CUmemAllocationProp*,
                         unsigned long long) = nullptr;
  CUresult (*mem_release)(CUmemGenericAllocationHandle) = nullptr;
  CUresult (*mem_map)(CUdeviceptr, std::size_t, std::size_t, CUmemGenericAllocationHandle,
                      unsigned long long) = nullptr;
  CUresult (*mem_unmap)(CUdeviceptr, std::size_t) = nullptr;
  CUresult (*mem_set_access)(CUdeviceptr, std::size_t, const CUmemAccessDesc*,
                             std::size_t) = nullptr;

  // Returns "<name>: <driver message>" for a failed call.
  std::string error(const char* name, CUresult r) const;

  // Returns the loaded functions, or nullptr with the reason in `why` (no libcuda.so.1, or a
  // driver without the virtual memory API).
  static std::unique_ptr<DriverApi> load(std::string& why);

  DriverApi() = default;
  ~DriverApi();
  DriverApi(const DriverApi&) = delete;
  DriverApi& operator=(const DriverApi&) = delete;

 private:
  void* handle_ = nullptr;
};

}  // namespace opusperf::gpu::cuda
