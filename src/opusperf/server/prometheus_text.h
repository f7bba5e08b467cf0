// Prometheus text exposition format, version 0.0.4: the body of GET /metrics.
//
//   std::vector<FamilySnapshot> families = registry.collect();
//   std::string body = render_prometheus_text(families);   // Content-Type: kPrometheusContentType
//
// Each family is written as "# HELP", "# TYPE" and one line a sample, label values escaped
// (backslash, double quote, newline) and HELP text escaped (backslash, newline). A histogram is
// written the Prometheus way: cumulative "_bucket{le=...}" lines over a fixed list of bounds
// (histogram_bounds(), the same on every scrape so rate() and histogram_quantile() work), a final
// le="+Inf" bucket equal to "_count", then "_sum" and "_count".
//
// Units: by the monitor's convention LatencyHistogram records nanoseconds, and Prometheus wants
// base units, so a histogram family whose name ends in "_seconds" is converted from nanoseconds to
// seconds (bounds and sum). Any other histogram is written in the unit it was recorded in. A
// bucket's count is HistogramSnapshot::count_at_or_below(bound): exact when the bound is a bucket
// edge, otherwise within the histogram's resolution (one bucket, < 1/64 of the bound).
//
// Pure functions over snapshots; thread-safe. Cost: linear in samples; a histogram sample walks its
// non-empty buckets once per bound (a few hundred at most).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/monitor/families_json.h"  // histogram_in_seconds
#include "opusperf/monitor/metric_registry.h"

namespace opusperf {

// The Content-Type of a text-format 0.0.4 body.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Returns `help` with backslash and newline escaped, as a HELP line needs.
std::string escape_help(std::string_view help);
// Returns `value` with backslash, double quote and newline escaped, as a label value needs.
std::string escape_label_value(std::string_view value);
// Returns v as the format writes sample values: the shortest text that reads back to the same
// double, "+Inf", "-Inf" or "NaN".
std::string format_sample_value(double v);

// Returns the bucket upper bounds written for histogram family `name`, increasing, in the unit the
// histogram records (nanoseconds for "_seconds" families: 1 µs .. 100 s at 1-2.5-5 steps; any other
// unit: 1 .. 1e12 at 1-2.5-5 steps). The "+Inf" bucket comes after them.
std::span<const std::uint64_t> histogram_bounds(std::string_view name);

// Appends `family` in the text format to `out`. A family without samples is skipped.
// REQUIRES: the names are valid (Registry guarantees it).
void append_family(const FamilySnapshot& family, std::string& out);

// Returns the text of every family. When a name repeats, the first family of that name is written
// and the others are skipped, so the body never declares a metric twice.
std::string render_prometheus_text(const std::vector<FamilySnapshot>& families);

}  // namespace opusperf
