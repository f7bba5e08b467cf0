#include "opusperf/monitor/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "opusperf/core/atomic_file.h"
#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

void validate_document(const nlohmann::json& doc, std::string_view source) {
  if (!doc.is_object()) throw InputError(fmt::format("{}: a report must be a JSON object", source));
  const auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string()) {
    throw InputError(
        fmt::format("{}: missing \"schema\"; expected \"{}\"", source, Report::kSchema));
  }
  if (schema->get<std::string>() != Report::kSchema) {
    throw InputError(fmt::format("{}: schema is \"{}\"; this version reads \"{}\"", source,
                                 schema->get<std::string>(), Report::kSchema));
  }
  for (std::string_view section : Report::kSections) {
    const auto it = doc.find(std::string(section));
    if (it == doc.end() || !it->is_object()) {
      throw InputError(
          fmt::format("{}: section \"{}\" is missing or not an object", source, section));
    }
  }
}

}  // namespace

Report::Report(nlohmann::json doc) : doc_(std::move(doc)) {
  validate_document(doc_, "report");
}

std::string Report::to_json() const {
  return doc_.dump(2) + "\n";
}

Report Report::parse(std::string_view text, std::string_view source) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the offset of the error; turn it into a line number for the user.
    const std::size_t offset = std::min<std::size_t>(e.byte, text.size());
    const auto line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
    throw InputError(fmt::format("{}:{}: not valid JSON ({})", source, line, e.what()));
  }
  validate_document(doc, source);
  return Report(std::move(doc));
}

Report Report::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw InputError(
        fmt::format("{}: cannot read report: {}", file.string(), std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), file.string());
}

void Report::save(const std::filesystem::path& file) const {
  write_file_atomically(file, to_json());
}

}  // namespace opusperf
