#include "opusperf/gpu/backend_factory.h"

#include <fmt/format.h>

#include "opusperf/core/errors.h"

#if OPUSPERF_HAVE_CUDA
#include "opusperf/gpu/cuda/cuda_backend.h"
#endif

namespace opusperf::gpu {
namespace {

// Returns the CUDA backend for `device`, or nullptr with the reason in `why`.
std::unique_ptr<DeviceBackend> open_cuda(int device, std::string& why) {
#if OPUSPERF_HAVE_CUDA
  return CudaBackend::open(device, why);
#else
  (void)device;
  why = "this build has no CUDA backend (CMake did not find the CUDA toolkit)";
  return nullptr;
#endif
}

}  // namespace

bool cuda_backend_built() {
  return OPUSPERF_HAVE_CUDA != 0;
}

BackendChoice make_backend(std::string_view name, const HostBackendOptions& host, int device) {
  if (name != "auto" && name != "host" && name != "cuda") {
    throw InputError(
        fmt::format("unknown GPU backend '{}' (expected one of: auto, host, cuda)", name));
  }
  if (name == "host") return {std::make_unique<HostBackend>(host), "asked for"};
  std::string why;
  if (auto cuda = open_cuda(device, why)) return {std::move(cuda), "CUDA device found"};
  if (name == "cuda") throw RuntimeError(fmt::format("CUDA backend unavailable: {}", why));
  return {std::make_unique<HostBackend>(host), why};
}

}  // namespace opusperf::gpu
