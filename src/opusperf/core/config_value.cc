#include "opusperf/core/config_value.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

using u128 = unsigned __int128;

constexpr std::string_view kDurationForms =
    "use a number of seconds (1.5) or a number with a unit ns, us, ms, s, m or h (250ms, 30s, 5m, "
    "1h)";
constexpr std::string_view kSizeForms =
    "use a whole number of bytes (1048576) or a number with a unit B, KiB, MiB, GiB, TiB, KB, MB, "
    "GB or TB (512MiB, 2GiB, 1GB)";

// More significant digits than any uint64 needs (UINT64_MAX has 20); keeps products within u128.
constexpr int kMaxSignificantDigits = 20;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back()))
    s.remove_suffix(1);
  return s;
}

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// A non-negative decimal number, exactly: mantissa * 10^exp10.
struct Decimal {
  u128 mantissa = 0;
  int exp10 = 0;
};

// Parses "[+]digits[.digits][(e|E)[+|-]digits]" (or ".digits...") at the start of `s`. Returns the
// number of characters consumed, 0 when `s` does not start with a number. Throws InputError when
// the number has more significant digits than kMaxSignificantDigits.
std::size_t parse_decimal_prefix(std::string_view s, Decimal& out) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '+') ++i;
  int significant = 0;
  bool any_digit = false;
  auto take = [&](char c, bool fractional) {
    any_digit = true;
    const int d = c - '0';
    if (out.mantissa == 0 && d == 0) {
      if (fractional) --out.exp10;
      return;
    }
    if (++significant > kMaxSignificantDigits) {
      throw InputError("too many significant digits in " + quoted(s));
    }
    out.mantissa = out.mantissa * 10 + static_cast<u128>(d);
    if (fractional) --out.exp10;
  };
  while (i < s.size() && is_digit(s[i]))
    take(s[i++], false);
  if (i < s.size() && s[i] == '.') {
    std::size_t j = i + 1;
    while (j < s.size() && is_digit(s[j]))
      take(s[j++], true);
    i = j;
  }
  if (!any_digit) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    bool negative = false;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) negative = s[j++] == '-';
    if (j < s.size() && is_digit(s[j])) {
      int exponent = 0;
      while (j < s.size() && is_digit(s[j])) {
        if (exponent < 100000) exponent = exponent * 10 + (s[j] - '0');
        ++j;
      }
      out.exp10 += negative ? -exponent : exponent;
      i = j;
    }
  }
  while (out.mantissa != 0 && out.mantissa % 10 == 0) {
    out.mantissa /= 10;
    ++out.exp10;
  }
  return i;
}

enum class Scaled { kOk, kNotWhole, kTooLarge };

// Computes d * mul / div exactly into `result`, which must be at most `max`.
Scaled scale(const Decimal& d, std::uint64_t mul, std::uint64_t div, u128 max, u128& result) {
  result = 0;
  if (d.mantissa == 0) return Scaled::kOk;
  u128 num = d.mantissa * mul;  // < 10^20 * 2^42: no overflow.
  int exp10 = d.exp10;
  for (; exp10 > 0; --exp10) {
    if (num > max * div) return Scaled::kTooLarge;  // max * div < 2^64 * 10^6: no overflow.
    num *= 10;
  }
  for (; exp10 < 0 && num % 10 == 0; ++exp10)
    num /= 10;
  if (exp10 < 0 || num % div != 0) return Scaled::kNotWhole;
  num /= div;
  if (num > max) return Scaled::kTooLarge;
  result = num;
  return Scaled::kOk;
}

struct Unit {
  std::string_view name;  // lower case
  std::uint64_t mul;
  std::uint64_t div;
};

// Duration units, as a fraction of a millisecond.
constexpr std::array<Unit, 7> kDurationUnits = {{
    {"ns", 1, 1'000'000},
    {"us", 1, 1'000},
    {"\xC2\xB5s", 1, 1'000},  // µs
    {"ms", 1, 1},
    {"s", 1'000, 1},
    {"m", 60'000, 1},
    {"h", 3'600'000, 1},
}};

constexpr std::array<Unit, 9> kSizeUnits = {{
    {"b", 1, 1},
    {"kib", 1ull << 10, 1},
    {"mib", 1ull << 20, 1},
    {"gib", 1ull << 30, 1},
    {"tib", 1ull << 40, 1},
    {"kb", 1'000, 1},
    {"mb", 1'000'000, 1},
    {"gb", 1'000'000'000, 1},
    {"tb", 1'000'000'000'000, 1},
}};

template <std::size_t N>
std::optional<Unit> find_unit(const std::array<Unit, N>& units, std::string_view name) {
  const std::string key = to_lower(name);
  for (const Unit& u : units) {
    if (u.name == key) return u;
  }
  return std::nullopt;
}

}  // namespace

bool parse_bool(std::string_view text) {
  const std::string t = to_lower(trim(text));
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  throw InputError("expected true or false, got " + quoted(trim(text)));
}

std::uint64_t parse_uint(std::string_view text) {
  const std::string_view t = trim(text);
  Decimal d;
  if (!t.empty() && t.front() == '-') {
    const std::size_t used = parse_decimal_prefix(t.substr(1), d);
    if (used > 0 && used == t.size() - 1) {
      throw InputError("expected a non-negative integer, got " + quoted(t));
    }
    throw InputError("expected an integer, got " + quoted(t));
  }
  if (t.empty() || parse_decimal_prefix(t, d) != t.size()) {
    throw InputError("expected an integer, got " + quoted(t));
  }
  u128 result = 0;
  switch (scale(d, 1, 1, std::numeric_limits<std::uint64_t>::max(), result)) {
    case Scaled::kOk:
      return static_cast<std::uint64_t>(result);
    case Scaled::kNotWhole:
      throw InputError("expected an integer, got " + quoted(t));
    case Scaled::kTooLarge:
      break;
  }
  throw InputError("value " + std::string(t) + " is too large (at most 18446744073709551615)");
}

double parse_double(std::string_view text) {
  std::string_view t = trim(text);
  const std::string original(t);
  if (t.size() > 1 && t.front() == '+' && t[1] != '-' && t[1] != '+') t.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || end != t.data() + t.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    throw InputError("expected a number, got " + quoted(original));
  }
  if (ec == std::errc::result_out_of_range || !std::isfinite(value)) {
    throw InputError("expected a finite number, got " + quoted(original));
  }
  return value;
}

std::chrono::milliseconds parse_duration(std::string_view text) {
  const std::string_view t = trim(text);
  if (!t.empty() && t.front() == '-') {
    throw InputError("a duration must not be negative, got " + quoted(t));
  }
  Decimal d;
  const std::size_t used = t.empty() ? 0 : parse_decimal_prefix(t, d);
  if (used == 0) {
    throw InputError("expected a duration, got " + quoted(t) + "; " + std::string(kDurationForms));
  }
  const std::string_view unit_text = trim(t.substr(used));
  Unit unit{"s", 1'000, 1};
  if (!unit_text.empty()) {
    const auto found = find_unit(kDurationUnits, unit_text);
    if (!found) {
      throw InputError("unknown duration unit " + quoted(unit_text) + " in " + quoted(t) + "; " +
                       std::string(kDurationForms));
    }
    unit = *found;
  }
  u128 ms = 0;
  switch (scale(d, unit.mul, unit.div, std::numeric_limits<std::int64_t>::max(), ms)) {
    case Scaled::kOk:
      return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
    case Scaled::kNotWhole:
      throw InputError("duration " + quoted(t) +
                       " is not a whole number of milliseconds (the resolution of durations)");
    case Scaled::kTooLarge:
      break;
  }
  throw InputError("duration " + quoted(t) + " is too large");
}

std::uint64_t parse_size(std::string_view text) {
  const std::string_view t = trim(text);
  if (!t.empty() && t.front() == '-') {
    throw InputError("a size must not be negative, got " + quoted(t));
  }
  Decimal d;
  const std::size_t used = t.empty() ? 0 : parse_decimal_prefix(t, d);
  if (used == 0) {
    throw InputError("expected a size, got " + quoted(t) + "; " + std::string(kSizeForms));
  }
  const std::string_view unit_text = trim(t.substr(used));
  Unit unit{"b", 1, 1};
  if (!unit_text.empty()) {
    const auto found = find_unit(kSizeUnits, unit_text);
    if (!found) {
      throw InputError("unknown size unit " + quoted(unit_text) + " in " + quoted(t) + "; " +
                       std::string(kSizeForms));
    }
    unit = *found;
  }
  u128 bytes = 0;
  switch (scale(d, unit.mul, unit.div, std::numeric_limits<std::uint64_t>::max(), bytes)) {
    case Scaled::kOk:
      return static_cast<std::uint64_t>(bytes);
    case Scaled::kNotWhole:
      throw InputError("size " + quoted(t) + " is not a whole number of bytes");
    case Scaled::kTooLarge:
      break;
  }
  throw InputError("size " + quoted(t) + " is too large (at most 18446744073709551615 bytes)");
}

std::string format_duration(std::chrono::milliseconds d) {
  const std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1'000 == 0) return std::to_string(ms / 1'000) + "s";
  return std::to_string(ms) + "ms";
}

std::string format_size(std::uint64_t bytes) {
  if (bytes == 0) return "0B";
  constexpr std::array<std::string_view, 5> kNames = {"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  while (unit + 1 < kNames.size() && bytes % 1024 == 0) {
    bytes /= 1024;
    ++unit;
  }
  return std::to_string(bytes) + std::string(kNames[unit]);
}

}  // namespace opusperf
