// make_backend: picks the DeviceBackend a process runs on, by name.
//
//   BackendChoice choice = make_backend("auto");   // CUDA when built and a device answers
//   std::cout << choice.backend->name() << ": " << choice.note << "\n";
//
// "auto" takes the CUDA backend when this build has it (CMake found the CUDA toolkit) and a CUDA
// device is present, and the host backend otherwise; `note` says why, e.g. "no CUDA device (CUDA
// driver version is insufficient for CUDA runtime version)" on a machine without a GPU driver.
// Failing to find a device is never an error for "auto".
//
// Thread-safety: safe to call from many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "opusperf/gpu/device_backend.h"
#include "opusperf/gpu/host_backend.h"

namespace opusperf::gpu {

struct BackendChoice {
  std::unique_ptr<DeviceBackend> backend;
  std::string note;  // why this backend was chosen
};

// Returns the backend `name` asks for: "auto", "host" or "cuda". `host` configures the host
// backend when it is chosen; `device` is the CUDA device ordinal.
// Throws InputError for another name, RuntimeError when "cuda" is asked for and unavailable.
BackendChoice make_backend(std::string_view name, const HostBackendOptions& host = {},
                           int device = 0);

// Returns whether this build includes the CUDA backend.
bool cuda_backend_built();

}  // namespace opusperf::gpu
