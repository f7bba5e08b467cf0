#include "opusperf/server/prometheus_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <set>

namespace opusperf {
namespace {

// Bounds at 1, 2.5 and 5 times each power of ten in [first, last_decade], then `top`.
template <std::size_t N>
constexpr std::array<std::uint64_t, N> one_two_five(std::uint64_t first, std::uint64_t top) {
  std::array<std::uint64_t, N> out{};
  std::size_t i = 0;
  for (std::uint64_t p = first; i + 1 < N; p *= 10) {
    out[i++] = p;
    if (i + 1 < N) out[i++] = p * 5 / 2;
    if (i + 1 < N) out[i++] = p * 5;
  }
  out[N - 1] = top;
  return out;
}

// 1 µs .. 50 s, then 100 s: operation latencies from a cache hit to a long encode.
constexpr auto kSecondsBounds = one_two_five<25>(1'000, 100'000'000'000);
// 1 .. 5e11, then 1e12: counts and bytes up to a terabyte.
constexpr auto kPlainBounds = one_two_five<37>(1, 1'000'000'000'000);

// Escapes backslash and newline, and double quotes when `quotes` (label values need it, HELP not).
std::string escape(std::string_view text, bool quotes) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

void append_labels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view extra_name, std::string_view extra_value, std::string& out) {
  if (names.empty() && extra_name.empty()) return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!first) out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    out += escape_label_value(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

void append_sample(std::string_view name, std::string_view suffix, const FamilySnapshot& family,
                   const MetricSample& sample, std::string_view le, double value,
                   std::string& out) {
  out += name;
  out += suffix;
  append_labels(family.label_names, sample.label_values, le.empty() ? "" : "le", le, out);
  out += ' ';
  out += format_sample_value(value);
  out += '\n';
}

void append_histogram(const FamilySnapshot& family, const MetricSample& sample, std::string& out) {
  static const HistogramSnapshot kEmpty;
  const HistogramSnapshot& h = sample.histogram ? *sample.histogram : kEmpty;
  const bool seconds = histogram_in_seconds(family.name);
  const double scale = seconds ? 1e9 : 1.0;
  for (const std::uint64_t bound : histogram_bounds(family.name)) {
    // Dividing two exactly representable values rounds once, so 2500 ns reads "2.5e-06".
    const std::string le = format_sample_value(static_cast<double>(bound) / scale);
    append_sample(family.name, "_bucket", family, sample, le,
                  static_cast<double>(h.count_at_or_below(bound)), out);
  }
  append_sample(family.name, "_bucket", family, sample, "+Inf", static_cast<double>(h.count()),
                out);
  append_sample(family.name, "_sum", family, sample, "", static_cast<double>(h.sum()) / scale, out);
  append_sample(family.name, "_count", family, sample, "", static_cast<double>(h.count()), out);
}

}  // namespace

std::string escape_help(std::string_view help) {
  return escape(help, /*quotes=*/false);
}

std::string escape_label_value(std::string_view value) {
  return escape(value, /*quotes=*/true);
}

std::string format_sample_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::array<char, 32> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), result.ptr);
}

std::span<const std::uint64_t> histogram_bounds(std::string_view name) {
  if (histogram_in_seconds(name)) return kSecondsBounds;
  return kPlainBounds;
}

void append_family(const FamilySnapshot& family, std::string& out) {
  if (family.samples.empty()) return;
  out += "# HELP ";
  out += family.name;
  out += ' ';
  out += escape_help(family.help);
  out += "\n# TYPE ";
  out += family.name;
  out += ' ';
  out += to_string(family.kind);
  out += '\n';
  for (const MetricSample& sample : family.samples) {
    if (family.kind == MetricKind::kHistogram) {
      append_histogram(family, sample, out);
    } else {
      append_sample(family.name, "", family, sample, "", sample.value, out);
    }
  }
}

std::string render_prometheus_text(const std::vector<FamilySnapshot>& families) {
  std::string out;
  std::set<std::string_view> written;
  for (const FamilySnapshot& family : families) {
    if (!written.insert(family.name).second) continue;
    append_family(family, out);
  }
  return out;
}

}  // namespace opusperf
