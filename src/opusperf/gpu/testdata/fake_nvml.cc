// A stand-in for libnvidia-ml.so.1 with two devices, for nvml_monitor_test.cc: device 0 answers
// every query; device 1 does not support utilisation (as some boards do not). With
// FAKE_NVML_INIT_ERROR set in the environment, nvmlInit_v2 fails as on a machine whose driver is
// not loaded.
#include <cstdlib>
#include <cstring>

#include "opusperf/gpu/nvml_abi.h"

using opusperf::gpu::nvml::kErrorDriverNotLoaded;
using opusperf::gpu::nvml::kErrorInvalidArgument;
using opusperf::gpu::nvml::kErrorNotSupported;
using opusperf::gpu::nvml::kSuccess;

struct nvmlDevice_st {
  unsigned index;
};

namespace {
nvmlDevice_st devices[2] = {{0}, {1}};
}  // namespace

extern "C" {

nvmlReturn_t nvmlInit_v2() {
  return std::getenv("FAKE_NVML_INIT_ERROR") != nullptr ? kErrorDriverNotLoaded : kSuccess;
}
nvmlReturn_t nvmlShutdown() {
  return kSuccess;
}
const char* nvmlErrorString(nvmlReturn_t r) {
  switch (r) {
    case kErrorNotSupported:
      return "Not Supported";
    case kErrorDriverNotLoaded:
      return "Driver Not Loaded";
    default:
      return "Unknown Error";
  }
}
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) {
  *count = 2;
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
  if (index >= 2) return kErrorInvalidArgument;
  *device = &devices[index];
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
  const char* n = device->index == 0 ? "Fake GPU 0" : "Fake GPU 1";
  std::strncpy(name, n, length);
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t* u) {
  if (device->index != 0) return kErrorNotSupported;
  u->gpu = 37;
  u->memory = 12;
  return kSuccess;
}
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* m) {
  m->total = 80ull << 30;
  m->used = (device->index + 1ull) << 30;
  m->free = m->total - m->used;
  return kSuccess;
}

}  // extern "C"
