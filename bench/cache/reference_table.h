// The table of reference hit ratios beside the cache traces (../shared/data/cache-traces/
// REFERENCE.md): one Markdown table, a row a (trace, capacity), hit ratios in percent, one column
// an online policy plus "Belady" and "best non-Bélády".
//
//   ReferenceTable t = read_reference_table(dir + "/REFERENCE.md");
//   for (const ReferenceRow& row : t.rows)
//     if (auto lru = row.column("LRU")) ...                   // percent
//
// The first table whose header starts with "trace" is read; it must have the columns trace,
// requests and capacity and one whose name starts with "best" (the best online policy); every
// other column is a policy's hit ratio. A cell that is not a number is an InputError naming the
// file, line and column.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace opusperf::bench::cachesim {

struct ReferenceRow {
  std::size_t line = 0;  // 1-based line of the row in its file
  std::string trace;     // trace name: the file is NAME.txt.gz (or NAME.txt) beside the table
  std::uint64_t requests = 0;
  std::size_t capacity = 0;
  // Policy columns in table order (Belady included), hit ratio in percent.
  std::vector<std::pair<std::string, double>> hit_ratios;
  double best_online = 0;  // the "best non-Bélády" column, percent

  // Returns the column's hit ratio in percent, or nullopt when the table has no such column.
  std::optional<double> column(std::string_view name) const;
};

struct ReferenceTable {
  std::string path;
  std::vector<ReferenceRow> rows;
};

// Returns the table in the file at `path`. Throws InputError naming the file when it cannot be
// read, and FILE:LINE when the table is missing, lacks a column, or holds a malformed cell.
ReferenceTable read_reference_table(const std::string& path);

// Returns the table in `text`; `path` only names the source in errors and in the result.
ReferenceTable parse_reference_table(std::string_view text, const std::string& path);

// Returns the reference column that measures simulator policy `policy` ("lru" -> "LRU",
// "wtinylfu" -> "W-TinyLFU(1%)", ...), or nullopt for a policy the table does not measure.
std::optional<std::string_view> reference_column_for(std::string_view policy);

}  // namespace opusperf::bench::cachesim
