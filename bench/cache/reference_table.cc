#include "bench/cache/reference_table.h"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <system_error>

#include "bench/cache/policy_factory.h"
#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {
namespace {

std::string_view trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r";
  const std::size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

bool is_table_line(std::string_view line) {
  return trim(line).starts_with('|');
}

// Splits "| a | b |" into {"a", "b"}.
std::vector<std::string_view> cells(std::string_view line) {
  line = trim(line);
  line.remove_prefix(1);
  if (line.ends_with('|')) line.remove_suffix(1);
  std::vector<std::string_view> out;
  for (std::size_t start = 0;;) {
    const std::size_t bar = line.find('|', start);
    out.push_back(trim(line.substr(start, bar - start)));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return out;
}

template <typename T>
T parse_number(std::string_view cell, std::string_view column, const std::string& where) {
  T value{};
  const auto [end, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (cell.empty() || ec != std::errc() || end != cell.data() + cell.size())
    throw InputError(
        fmt::format("{}: column '{}': expected a number, got '{}'", where, column, cell));
  return value;
}

}  // namespace

std::optional<double> ReferenceRow::column(std::string_view name) const {
  for (const auto& [column, value] : hit_ratios)
    if (column == name) return value;
  return std::nullopt;
}

ReferenceTable read_reference_table(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(fmt::format("cannot open reference table '{}'", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(fmt::format("cannot read reference table '{}'", path));
  return parse_reference_table(text.str(), path);
}

ReferenceTable parse_reference_table(std::string_view text, const std::string& path) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }

  std::size_t header = 0;
  while (header < lines.size() &&
         !(is_table_line(lines[header]) && cells(lines[header]).front() == "trace"))
    ++header;
  if (header == lines.size())
    throw InputError(fmt::format("{}: no table whose first column is 'trace'", path));
  const std::vector<std::string_view> columns = cells(lines[header]);
  const auto where = [&](std::size_t i) { return fmt::format("{}:{}", path, i + 1); };

  int trace_col = -1, requests_col = -1, capacity_col = -1, best_col = -1;
  for (int c = 0; c < static_cast<int>(columns.size()); ++c) {
    if (columns[c] == "trace")
      trace_col = c;
    else if (columns[c] == "requests")
      requests_col = c;
    else if (columns[c] == "capacity")
      capacity_col = c;
    else if (columns[c].starts_with("best"))
      best_col = c;
  }
  for (auto [col, name] : {std::pair{requests_col, "requests"}, std::pair{capacity_col, "capacity"},
                           std::pair{best_col, "best non-Bélády"}})
    if (col < 0)
      throw InputError(fmt::format("{}: the table has no '{}' column", where(header), name));

  ReferenceTable table{path, {}};
  std::size_t i = header + 1;
  if (i < lines.size() && is_table_line(lines[i]) &&
      trim(lines[i]).find("---") != std::string_view::npos)
    ++i;  // the |---|---| separator
  for (; i < lines.size() && is_table_line(lines[i]); ++i) {
    const std::vector<std::string_view> row_cells = cells(lines[i]);
    if (row_cells.size() != columns.size())
      throw InputError(fmt::format("{}: {} cells, the header has {}", where(i), row_cells.size(),
                                   columns.size()));
    ReferenceRow row;
    row.line = i + 1;
    row.trace = std::string(row_cells[trace_col]);
    if (row.trace.empty()) throw InputError(fmt::format("{}: empty trace name", where(i)));
    row.requests = parse_number<std::uint64_t>(row_cells[requests_col], "requests", where(i));
    row.capacity = parse_number<std::size_t>(row_cells[capacity_col], "capacity", where(i));
    if (row.capacity == 0 || row.capacity > kMaxCapacity)
      throw InputError(fmt::format("{}: capacity {} is out of range 1..{}", where(i), row.capacity,
                                   kMaxCapacity));
    row.best_online = parse_number<double>(row_cells[best_col], columns[best_col], where(i));
    for (int c = 0; c < static_cast<int>(columns.size()); ++c) {
      if (c == trace_col || c == requests_col || c == capacity_col || c == best_col) continue;
      row.hit_ratios.emplace_back(std::string(columns[c]),
                                  parse_number<double>(row_cells[c], columns[c], where(i)));
    }
    table.rows.push_back(std::move(row));
  }
  if (table.rows.empty()) throw InputError(fmt::format("{}: the table has no rows", where(header)));
  return table;
}

std::optional<std::string_view> reference_column_for(std::string_view policy) {
  static constexpr std::pair<std::string_view, std::string_view> kColumns[] = {
      {"lru", "LRU"},       {"arc", "ARC"}, {"s3fifo", "S3-FIFO"}, {"wtinylfu", "W-TinyLFU(1%)"},
      {"belady", "Belady"},
  };
  for (const auto& [name, column] : kColumns)
    if (name == policy) return column;
  return std::nullopt;
}

}  // namespace opusperf::bench::cachesim
