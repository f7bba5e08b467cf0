// NvmlMonitor: device utilisation and memory from NVIDIA's management library, NVML.
//
//   NvmlMonitor nvml;                         // loads libnvidia-ml.so.1 if it is there
//   NvmlSample s = nvml.sample();
//   if (s.available) for (const GpuUtilisation& d : s.devices) use(d.gpu_percent);
//   else log(s.reason);                       // e.g. "libnvidia-ml.so.1 not found (...)"
//
// No package provides NVML's development files, and machines without an NVIDIA driver have no
// library at all, so it is loaded at run time with dlopen and the few functions used are looked up
// by name. A missing library, a missing function or a failing nvmlInit make the monitor
// "unavailable" with the reason; that is never an error. A device that does not support a query
// (utilisation on some boards) reports the NVML error for that field instead.
//
// Thread-safety: sample() may be called from many threads (NVML is thread-safe).
// Cost: sample() is a few NVML calls per device, tens of µs each (they talk to the driver).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace opusperf::gpu {

struct GpuUtilisation {
  unsigned index = 0;
  std::string name;
  std::optional<unsigned> gpu_percent;     // share of time a kernel ran, last sample period
  std::optional<unsigned> memory_percent;  // share of time device memory was read or written
  std::optional<std::uint64_t> memory_total_bytes;
  std::optional<std::uint64_t> memory_used_bytes;
  std::optional<std::uint64_t> memory_free_bytes;
  std::string error;  // NVML's message for the first query that failed, if any
};

struct NvmlSample {
  bool available = false;
  std::string reason;  // why not, when unavailable
  std::vector<GpuUtilisation> devices;
};

class NvmlMonitor {
 public:
  // Loads `library` (a name for the dynamic loader or a path) and initialises NVML.
  explicit NvmlMonitor(std::string library = "libnvidia-ml.so.1");
  // Shuts NVML down and unloads the library.
  ~NvmlMonitor();
  NvmlMonitor(const NvmlMonitor&) = delete;
  NvmlMonitor& operator=(const NvmlMonitor&) = delete;

  bool available() const;
  // Returns why the monitor is unavailable ("" when available).
  const std::string& reason() const;
  // Returns every device's utilisation and memory now.
  NvmlSample sample() const;

 private:
  struct Library;
  std::unique_ptr<Library> lib_;
  std::string reason_;
};

// Returns {"available": true, "devices": [{"index", "name", "gpu_percent", ...}]} or
// {"available": false, "reason": "..."}. Sizes in bytes, shares in percent.
nlohmann::json to_json(const NvmlSample& sample);

}  // namespace opusperf::gpu
