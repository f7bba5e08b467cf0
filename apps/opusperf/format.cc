#include "format.h"

#include <fmt/format.h>

#include <cmath>

namespace opusperf::cli {

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = std::fabs(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  const char* sign = bytes < 0 ? "-" : "";
  if (u == 0) return fmt::format("{}{:.0f} B", sign, v);
  return fmt::format("{}{:.{}f} {}", sign, v, v < 10 ? 2 : 1, units[u]);
}

std::string human_ms(double ms) {
  if (ms < 0.001) return fmt::format("{:.0f} ns", ms * 1e6);
  if (ms < 1.0) return fmt::format("{:.1f} µs", ms * 1e3);
  if (ms < 1000.0) return fmt::format("{:.2f} ms", ms);
  return fmt::format("{:.2f} s", ms / 1e3);
}

std::string human_rate(double per_second) {
  if (per_second >= 1e6) return fmt::format("{:.2f} M/s", per_second / 1e6);
  if (per_second >= 1e3) return fmt::format("{:.2f} k/s", per_second / 1e3);
  return fmt::format("{:.1f} /s", per_second);
}

}  // namespace opusperf::cli
