#include "bench/cache/reference_evaluation.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "bench/cache/policy_factory.h"
#include "bench/cache/simulator.h"
#include "bench/cache/trace_reader.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {

std::string find_trace_file(const std::string& table_path, const std::string& trace) {
  const std::filesystem::path dir = std::filesystem::path(table_path).parent_path();
  for (const char* suffix : {".txt.gz", ".txt", ""}) {
    const std::filesystem::path candidate = dir / (trace + suffix);
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate.string();
  }
  return {};
}

ReferenceEvaluation evaluate_reference(const ReferenceTable& table,
                                       std::span<const std::string> policies,
                                       const std::function<bool(const ReferenceRow&)>& include) {
  if (policies.empty()) throw InputError("reference evaluation: name at least one policy");
  for (const std::string& name : policies)
    check_policy_name(name);

  ReferenceEvaluation out;
  out.table_path = table.path;
  std::map<std::string, std::vector<std::uint64_t>> traces;  // loaded once each
  for (const ReferenceRow& row : table.rows) {
    if (include && !include(row)) continue;
    const std::string path = find_trace_file(table.path, row.trace);
    if (path.empty()) {
      if (std::find(out.missing_traces.begin(), out.missing_traces.end(), row.trace) ==
          out.missing_traces.end())
        out.missing_traces.push_back(row.trace);
      continue;
    }
    auto it = traces.find(row.trace);
    if (it == traces.end()) it = traces.emplace(row.trace, read_trace(path)).first;
    const std::vector<std::uint64_t>& trace = it->second;

    RowEvaluation eval{row, path, trace.size(), {}};
    for (const std::string& name : policies) {
      auto policy = make_policy(name, row.capacity, trace);
      const std::uint64_t hits = replay(*policy, trace);
      const double percent =
          trace.empty() ? 0.0
                        : 100.0 * static_cast<double>(hits) / static_cast<double>(trace.size());
      std::optional<double> reference;
      if (auto column = reference_column_for(name)) reference = row.column(*column);
      eval.policies.push_back({name, percent, reference, row.best_online - percent});
    }
    out.rows.push_back(std::move(eval));
  }

  for (std::size_t p = 0; p < policies.size(); ++p) {
    PolicySummary s;
    s.policy = policies[p];
    double total = 0;
    for (const RowEvaluation& r : out.rows) {
      const PolicyOnRow& on = r.policies[p];
      total += on.shortfall;
      if (s.rows == 0 || on.shortfall > s.worst_shortfall) {
        s.worst_shortfall = on.shortfall;
        s.worst_trace = r.row.trace;
        s.worst_capacity = r.row.capacity;
      }
      if (on.reference) {
        const double gap = std::abs(on.hit_ratio - *on.reference);
        s.max_reference_gap = std::max(s.max_reference_gap.value_or(0.0), gap);
      }
      ++s.rows;
    }
    s.mean_shortfall = s.rows == 0 ? 0.0 : total / static_cast<double>(s.rows);
    out.summaries.push_back(std::move(s));
  }
  return out;
}

}  // namespace opusperf::bench::cachesim
