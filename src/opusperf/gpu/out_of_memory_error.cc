#include "opusperf/gpu/out_of_memory_error.h"

#include <fmt/format.h>

namespace opusperf::gpu {
namespace {

std::string message(const OutOfMemoryDetails& d) {
  return fmt::format(
      "gpu allocator: out of memory: tried to allocate {} on stream {}; {} allocated, {} reserved, "
      "cap {} (memory fraction {:.2f} of {}); device free {}{}",
      format_bytes(d.requested_bytes), d.stream, format_bytes(d.allocated_bytes),
      format_bytes(d.reserved_bytes), format_bytes(d.cap_bytes), d.memory_fraction,
      format_bytes(d.device_total_bytes), format_bytes(d.device_free_bytes),
      d.device_refused ? " (the device refused below the cap)" : "");
}

}  // namespace

OutOfMemoryError::OutOfMemoryError(const OutOfMemoryDetails& details)
    : RuntimeError(message(details)), details_(details) {}

std::string format_bytes(std::uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes) / 1024;
  int unit = 0;
  while (v >= 1024 && unit < 3) {
    v /= 1024;
    ++unit;
  }
  return fmt::format("{:.2f} {}", v, units[unit]);
}

}  // namespace opusperf::gpu
