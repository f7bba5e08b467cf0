#include "opusperf/gpu/cuda/driver_api.h"

#include <dlfcn.h>
#include <fmt/format.h>

namespace opusperf::gpu::cuda {
namespace {

template <class F>
bool bind(void* handle, F& fn, const char* name, std::string& why) {
  fn = reinterpret_cast<F>(dlsym(handle, name));
  if (fn == nullptr) why = fmt::format("libcuda.so.1 has no {}", name);
  return fn != nullptr;
}

}  // namespace

DriverApi::~DriverApi() {
  if (handle_ != nullptr) dlclose(handle_);
}

std::string DriverApi::error(const char* name, CUresult r) const {
  const char* message = nullptr;
  if (get_error_string != nullptr) get_error_string(r, &message);
  return fmt::format("{}: {} (CUresult {})", name, message != nullptr ? message : "unknown error",
                     static_cast<int>(r));
}

std::unique_ptr<DriverApi> DriverApi::load(std::string& why) {
  auto api = std::make_unique<DriverApi>();
  api->handle_ = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (api->handle_ == nullptr) {
    const char* e = dlerror();
    why = fmt::format("libcuda.so.1 not loaded ({})", e != nullptr ? e : "dlopen failed");
    return nullptr;
  }
  void* h = api->handle_;
  const bool ok =
      bind(h, api->get_error_string, "cuGetErrorString", why) &&
      bind(h, api->device_get, "cuDeviceGet", why) &&
      bind(h, api->device_get_attribute, "cuDeviceGetAttribute", why) &&
      bind(h, api->mem_get_allocation_granularity, "cuMemGetAllocationGranularity", why) &&
      bind(h, api->mem_address_reserve, "cuMemAddressReserve", why) &&
      bind(h, api->mem_address_free, "cuMemAddressFree", why) &&
      bind(h, api->mem_create, "cuMemCreate", why) &&
      bind(h, api->mem_release, "cuMemRelease", why) && bind(h, api->mem_map, "cuMemMap", why) &&
      bind(h, api->mem_unmap, "cuMemUnmap", why) &&
      bind(h, api->mem_set_access, "cuMemSetAccess", why);
  return ok ? std::move(api) : nullptr;
}

}  // namespace opusperf::gpu::cuda
