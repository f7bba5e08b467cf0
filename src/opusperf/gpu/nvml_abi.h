// The parts of NVIDIA's nvml.h that nvml_monitor.cc uses (no package ships the header), as NVML
// defines them; its C ABI is stable across drivers. Shared with the test's stand-in library
// (testdata/fake_nvml.cc), so both sides agree on it.
#pragma once

extern "C" {

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st* nvmlDevice_t;

typedef struct nvmlUtilization_st {
  unsigned int gpu;     // percent of time a kernel ran over the last sample period
  unsigned int memory;  // percent of time device memory was read or written
} nvmlUtilization_t;

typedef struct nvmlMemory_st {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
} nvmlMemory_t;

}  // extern "C"

namespace opusperf::gpu::nvml {

constexpr nvmlReturn_t kSuccess = 0;
constexpr nvmlReturn_t kErrorInvalidArgument = 2;
constexpr nvmlReturn_t kErrorNotSupported = 3;
constexpr nvmlReturn_t kErrorDriverNotLoaded = 9;
constexpr unsigned kDeviceNameBufferSize = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE

}  // namespace opusperf::gpu::nvml
