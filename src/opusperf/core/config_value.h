// Text forms of configuration values: booleans, counts, numbers, durations and byte sizes.
//
// One grammar for every place a person types a setting — the YAML config file (config_loader.h)
// and command-line flags — so "250ms" or "2GiB" mean the same everywhere:
//
//   auto every = opusperf::parse_duration("250ms");   // 250 ms
//   auto limit = opusperf::parse_size("2GiB");        // 2147483648
//   opusperf::format_duration(every);                 // "250ms" (parses back to the same value)
//
// Each parse_* function accepts surrounding blanks, and throws InputError (errors.h) whose what()
// is the reason alone (no file or key), e.g. "expected an integer, got 'lots'"; callers add where
// the text came from. Thread-safety: pure functions; safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace opusperf {

// Returns the boolean named by `text`: true/yes/on or false/no/off (any ASCII case), as YAML 1.1.
// Throws InputError for anything else, numbers included ("1", "3").
bool parse_bool(std::string_view text);

// Returns the non-negative whole number in `text`: decimal digits ("4096"), also in exponent form
// when the value is whole ("1e6"). Throws InputError for fractions ("1.5"), negatives, other text,
// and values above UINT64_MAX.
std::uint64_t parse_uint(std::string_view text);

// Returns the finite decimal number in `text` ("0.75", "1e-3", "+2"). Throws InputError for other
// text, inf and nan.
double parse_double(std::string_view text);

// Returns the duration in `text`: a plain number is seconds ("1.5" = 1500 ms); otherwise a number
// followed by one unit: ns, us (or µs), ms, s, m, h ("250ms", "30s", "5m", "1h", "2000us").
// REQUIRES of the value: not negative, a whole number of milliseconds (the resolution of
// OptimizationConfig::Duration; "2us" is rejected rather than rounded to 0), at most INT64_MAX ms.
// Throws InputError naming the accepted forms otherwise.
std::chrono::milliseconds parse_duration(std::string_view text);

// Returns the byte count in `text`: a plain whole number of bytes ("1048576") or a number with a
// unit: B, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000); units are
// matched ignoring case ("512MiB", "1.5GiB", "1GB"). REQUIRES: a whole number of bytes, at most
// UINT64_MAX. Throws InputError otherwise.
std::uint64_t parse_size(std::string_view text);

// Returns `d` in the largest unit that states it exactly: "1h", "5m", "30s", "250ms", "0s".
// parse_duration(format_duration(d)) == d for every d >= 0.
std::string format_duration(std::chrono::milliseconds d);

// Returns `bytes` in the largest power-of-1024 unit that states it exactly: "4GiB", "512MiB",
// "100KiB", "1000B", "0B". parse_size(format_size(b)) == b.
std::string format_size(std::uint64_t bytes);

}  // namespace opusperf
