// Runs policies on every row of a reference table (reference_table.h) and measures each against
// the row's best online policy: how issue 3's goal for `smart` is checked ("hit ratio >= best
// online - 3 points on every row, mean shortfall <= 1.5 points"), and how the simulator's own
// policies are checked against the reference columns.
//
//   ReferenceTable table = read_reference_table(dir + "/REFERENCE.md");
//   ReferenceEvaluation e = evaluate_reference(table, {"smart", "lru"});
//   for (const PolicySummary& s : e.summaries) ... s.mean_shortfall_points ...
//
// A row's trace is the file NAME.txt.gz, NAME.txt or NAME beside the table; rows whose trace is
// absent are skipped and listed in `missing_traces`. Each trace is read once.
//
// Thread-safety: a free function; no shared state. Cost: one replay a (row, policy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bench/cache/reference_table.h"

namespace opusperf::bench::cachesim {

// All ratios here are in percent points, as the table is.
struct PolicyOnRow {
  std::string policy;
  double hit_ratio = 0;             // measured, percent
  std::optional<double> reference;  // the table's column for this policy, when it has one
  double shortfall = 0;             // row's best online - hit_ratio (negative: better than best)
};

struct RowEvaluation {
  ReferenceRow row;
  std::string trace_path;
  std::uint64_t trace_requests = 0;   // as read; the table's count is row.requests
  std::vector<PolicyOnRow> policies;  // in the order asked for
};

struct PolicySummary {
  std::string policy;
  std::size_t rows = 0;
  double mean_shortfall = 0;
  double worst_shortfall = 0;  // the largest shortfall, on the row below
  std::string worst_trace;
  std::size_t worst_capacity = 0;
  // Largest |hit_ratio - reference| over the rows with a reference column for the policy.
  std::optional<double> max_reference_gap;
};

struct ReferenceEvaluation {
  std::string table_path;
  std::vector<RowEvaluation> rows;
  std::vector<std::string> missing_traces;  // trace names without a file, each once
  std::vector<PolicySummary> summaries;     // one a policy, in the order asked for
};

// Returns the path of `trace`'s file beside the table at `table_path`, or "" when there is none.
std::string find_trace_file(const std::string& table_path, const std::string& trace);

// Replays every row of `table` (those `include` accepts, when given) through each of `policies`.
// Throws InputError for an unknown policy (before any replay) or an unreadable trace.
ReferenceEvaluation evaluate_reference(
    const ReferenceTable& table, std::span<const std::string> policies,
    const std::function<bool(const ReferenceRow&)>& include = nullptr);

}  // namespace opusperf::bench::cachesim
