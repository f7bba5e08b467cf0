// Small formatting helpers for the CLI's tables: human-readable bytes, durations and rates.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace opusperf::cli {

// "512 B", "1.5 KiB", "45.2 MiB", "3.00 GiB"; negative values keep their sign.
std::string human_bytes(double bytes);
// "850 ns", "12.3 µs", "4.56 ms", "1.23 s" from milliseconds.
std::string human_ms(double ms);
// "1.23 k/s", "456 /s" from units per second.
std::string human_rate(double per_second);

}  // namespace opusperf::cli
