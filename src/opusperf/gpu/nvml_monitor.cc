#include "opusperf/gpu/nvml_monitor.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include "opusperf/gpu/nvml_abi.h"

namespace opusperf::gpu {

struct NvmlMonitor::Library {
  void* handle = nullptr;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*device_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*device_by_index)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*device_name)(nvmlDevice_t, char*, unsigned int) = nullptr;
  nvmlReturn_t (*utilisation)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  bool initialised = false;

  ~Library() {
    if (initialised) shutdown();
    if (handle != nullptr) dlclose(handle);
  }

  std::string error(nvmlReturn_t r) const {
    const char* s = error_string != nullptr ? error_string(r) : nullptr;
    return s != nullptr ? fmt::format("{} (NVML error {})", s, r) : fmt::format("NVML error {}", r);
  }

  // Looks up `name` into `fn`. Returns false, with the reason, when it is missing.
  template <class F>
  bool bind(F& fn, const char* name, std::string& reason) {
    fn = reinterpret_cast<F>(dlsym(handle, name));
    if (fn == nullptr) reason = fmt::format("NVML has no {} (driver too old?)", name);
    return fn != nullptr;
  }
};

NvmlMonitor::NvmlMonitor(std::string library) {
  auto lib = std::make_unique<Library>();
  lib->handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib->handle == nullptr) {
    const char* why = dlerror();
    reason_ = fmt::format("{} not found ({})", library, why != nullptr ? why : "dlopen failed");
    return;
  }
  if (!lib->bind(lib->init, "nvmlInit_v2", reason_) ||
      !lib->bind(lib->shutdown, "nvmlShutdown", reason_) ||
      !lib->bind(lib->error_string, "nvmlErrorString", reason_) ||
      !lib->bind(lib->device_count, "nvmlDeviceGetCount_v2", reason_) ||
      !lib->bind(lib->device_by_index, "nvmlDeviceGetHandleByIndex_v2", reason_) ||
      !lib->bind(lib->device_name, "nvmlDeviceGetName", reason_) ||
      !lib->bind(lib->utilisation, "nvmlDeviceGetUtilizationRates", reason_) ||
      !lib->bind(lib->memory, "nvmlDeviceGetMemoryInfo", reason_)) {
    return;
  }
  if (const nvmlReturn_t r = lib->init(); r != nvml::kSuccess) {
    reason_ = "nvmlInit failed: " + lib->error(r);
    return;
  }
  lib->initialised = true;
  lib_ = std::move(lib);
}

NvmlMonitor::~NvmlMonitor() = default;

bool NvmlMonitor::available() const {
  return lib_ != nullptr;
}

const std::string& NvmlMonitor::reason() const {
  return reason_;
}

NvmlSample NvmlMonitor::sample() const {
  NvmlSample out;
  if (lib_ == nullptr) {
    out.reason = reason_;
    return out;
  }
  unsigned count = 0;
  if (const nvmlReturn_t r = lib_->device_count(&count); r != nvml::kSuccess) {
    out.reason = "nvmlDeviceGetCount failed: " + lib_->error(r);
    return out;
  }
  out.available = true;
  for (unsigned i = 0; i < count; ++i) {
    GpuUtilisation d;
    d.index = i;
    const auto note = [&](const char* what, nvmlReturn_t r) {
      if (d.error.empty()) d.error = fmt::format("{}: {}", what, lib_->error(r));
    };
    nvmlDevice_t device = nullptr;
    if (const nvmlReturn_t r = lib_->device_by_index(i, &device); r != nvml::kSuccess) {
      note("nvmlDeviceGetHandleByIndex", r);
      out.devices.push_back(std::move(d));
      continue;
    }
    char name[nvml::kDeviceNameBufferSize] = {};
    if (const nvmlReturn_t r = lib_->device_name(device, name, nvml::kDeviceNameBufferSize);
        r == nvml::kSuccess) {
      d.name = name;
    } else {
      note("nvmlDeviceGetName", r);
    }
    nvmlUtilization_t u{};
    if (const nvmlReturn_t r = lib_->utilisation(device, &u); r == nvml::kSuccess) {
      d.gpu_percent = u.gpu;
      d.memory_percent = u.memory;
    } else {
      note("nvmlDeviceGetUtilizationRates", r);
    }
    nvmlMemory_t m{};
    if (const nvmlReturn_t r = lib_->memory(device, &m); r == nvml::kSuccess) {
      d.memory_total_bytes = m.total;
      d.memory_used_bytes = m.used;
      d.memory_free_bytes = m.free;
    } else {
      note("nvmlDeviceGetMemoryInfo", r);
    }
    out.devices.push_back(std::move(d));
  }
  return out;
}

nlohmann::json to_json(const NvmlSample& s) {
  if (!s.available) return {{"available", false}, {"reason", s.reason}};
  nlohmann::json devices = nlohmann::json::array();
  for (const GpuUtilisation& d : s.devices) {
    nlohmann::json j = {{"index", d.index}, {"name", d.name}};
    const auto put = [&j](const char* key, const auto& v) {
      j[key] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    put("gpu_percent", d.gpu_percent);
    put("memory_percent", d.memory_percent);
    put("memory_total_bytes", d.memory_total_bytes);
    put("memory_used_bytes", d.memory_used_bytes);
    put("memory_free_bytes", d.memory_free_bytes);
    if (!d.error.empty()) j["error"] = d.error;
    devices.push_back(std::move(j));
  }
  return {{"available", true}, {"devices", std::move(devices)}};
}

}  // namespace opusperf::gpu
