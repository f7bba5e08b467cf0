#include "opusperf/core/config_error.h"

#include <utility>

namespace opusperf {
namespace {

std::string format_message(const std::string& file, std::size_t line, const std::string& key,
                           const std::string& reason) {
  std::string out;
  if (!file.empty()) {
    out += file;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
  }
  if (!key.empty()) out += "key '" + key + "': ";
  out += reason;
  return out;
}

}  // namespace

ConfigError::ConfigError(std::string file, std::size_t line, std::string key, std::string reason)
    : InputError(format_message(file, line, key, reason)),
      file_(std::move(file)),
      line_(line),
      key_(std::move(key)),
      reason_(std::move(reason)) {}

}  // namespace opusperf
