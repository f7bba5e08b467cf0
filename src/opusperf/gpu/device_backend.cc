#include "opusperf/gpu/device_backend.h"

namespace opusperf::gpu {

std::string_view to_string(CopyKind kind) {
  switch (kind) {
    case CopyKind::kHostToDevice:
      return "host_to_device";
    case CopyKind::kDeviceToHost:
      return "device_to_host";
    case CopyKind::kDeviceToDevice:
      break;
  }
  return "device_to_device";
}

}  // namespace opusperf::gpu
