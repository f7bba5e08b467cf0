// ConfigError: a rejected configuration value, with where it came from.
//
// Thrown by the config loader (config_loader.h), validate() and profiles::by_name(). It is an
// InputError, so the CLI maps it to exit code 2. what() is one line that names the place, the key
// and the reason, in the compiler-style form editors recognise:
//
//   opusperf.yaml:7: key 'cache_size_limt': unknown key; did you mean 'cache_size_limit'?
//   opusperf.yaml:3: key 'tensor_memory_fraction': value 1.5 is out of range; allowed (0, 1]
//   <config>: key 'max_workers': value 0 is out of range; allowed [1, 4096]
//
// Parts that are unknown are left out of what(): no ":<line>" when line() is 0, no "key '...': "
// when key() is empty, no "<file>: " when file() is empty.
//
// Thread-safety: an immutable value type.
#pragma once

#include <cstddef>
#include <string>

#include "opusperf/core/errors.h"

namespace opusperf {

class ConfigError : public InputError {
 public:
  // `file`: the file or source name the value came from ("" if none; validate() uses "<config>").
  // `line`: 1-based line of the offending key, 0 when unknown. `key`: the config key, "" if the
  // error is not about one key (a syntax error, an unreadable file). `reason`: what is wrong.
  ConfigError(std::string file, std::size_t line, std::string key, std::string reason);

  // Returns the file or source name, possibly "".
  const std::string& file() const { return file_; }
  // Returns the 1-based line of the offending key, or 0 when unknown.
  std::size_t line() const { return line_; }
  // Returns the offending key, or "" when the error is not about one key.
  const std::string& key() const { return key_; }
  // Returns the reason alone, without file, line or key.
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string key_;
  std::string reason_;
};

}  // namespace opusperf
