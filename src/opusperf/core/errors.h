// Error types shared by every component, and the process exit codes they map to.
//
// The CLI contract (DESIGN.md): exit 0 on success, 1 on a runtime failure, 2 on bad input (a bad
// flag, a bad config, an unreadable or invalid file). Code that rejects input throws InputError (or
// a subclass) with a message that names what, where and why; everything else that fails at run time
// throws RuntimeError or a standard exception. apps/opusperf maps the two to exit codes 2 and 1.
//
// Thread-safety: plain value types.
#pragma once

#include <stdexcept>
#include <string>

namespace opusperf {

// Process exit codes of the opusperf command.
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntimeFailure = 1,
  kExitBadInput = 2,
};

// Bad input from a user: a flag, a config value, a file. Maps to exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure while doing the work (I/O error, a component that cannot start). Maps to exit code 1.
class RuntimeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace opusperf
