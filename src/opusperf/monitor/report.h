// Report: the JSON document a run leaves behind (schema "opusperf.report/1").
//
// A report has a top-level "schema" and the sections system, operations, cache, memory, gpu,
// balance and tune, each always present; a component that is off or not in this build has
// {"enabled": false, ...}. PerformanceOptimizer::report() builds one; `opusperf report FILE` loads
// one back. Loading validates the schema and the sections and throws InputError naming the file and
// what is wrong. Saving writes a temp file and renames it, so a crash never leaves half a report.
//
// Thread-safety: a value type; distinct objects may be used from different threads.
#pragma once

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace opusperf {

class Report {
 public:
  static constexpr std::string_view kSchema = "opusperf.report/1";
  static constexpr std::array<std::string_view, 7> kSections = {
      "system", "operations", "cache", "memory", "gpu", "balance", "tune"};

  // REQUIRES: `doc` is an object with kSchema and every section (throws InputError otherwise).
  explicit Report(nlohmann::json doc);

  const nlohmann::json& json() const { return doc_; }
  // Returns the report as indented JSON text.
  std::string to_json() const;

  // Parses a report from text; `source` names it in errors. Throws InputError.
  static Report parse(std::string_view text, std::string_view source);
  // Reads and parses a report file. Throws InputError when unreadable or invalid.
  static Report load(const std::filesystem::path& file);
  // Writes the report to `file` atomically (temp file + rename). Throws RuntimeError on I/O
  // failure.
  void save(const std::filesystem::path& file) const;

 private:
  nlohmann::json doc_;
};

}  // namespace opusperf
