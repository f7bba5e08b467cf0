// Runs the built `opusperf` binary (OPUSPERF_CLI, set by tests/e2e/CMakeLists.txt) with arguments,
// as a user's shell would, and returns its exit code and output. For end-to-end tests only.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace opusperf::e2e {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout, plus stderr unless stdout_only
};

// Runs `opusperf <args>`; stderr joins the output unless `stdout_only`.
inline RunResult run_cli(const std::string& args, bool stdout_only = false) {
  const std::string cmd =
      std::string(OPUSPERF_CLI) + " " + args + (stdout_only ? " 2>/dev/null" : " 2>&1");
  RunResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
    r.output.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace opusperf::e2e
