// The opusperf command: quickstart examples, the clip pipeline, reports, the monitoring server and
// benchmarks of the runtime.
// Exit codes (DESIGN.md): 0 success, 1 runtime failure, 2 bad input.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "bench_command.h"
#include "opusperf/core/errors.h"
#include "quickstart.h"
#include "report_command.h"
#include "serve_command.h"

namespace opusperf::cli {
void add_clip_command(CLI::App& app, int& exit_code);    // clip_command.cc
void add_worker_command(CLI::App& app, int& exit_code);  // worker_command.cc
}  // namespace opusperf::cli

int main(int argc, char** argv) {
  using namespace opusperf;
  CLI::App app{"opusperf: a performance runtime for video and ML processing services"};
  app.set_version_flag("--version", "opusperf " OPUSPERF_VERSION);
  app.require_subcommand(1);
  // Log lines go to stderr: stdout is for results (--json prints one object there).
  spdlog::set_default_logger(spdlog::stderr_color_mt("opusperf"));
  spdlog::set_level(spdlog::level::warn);
  app.add_option_function<std::string>(
         "--log-level",
         [](const std::string& level) { spdlog::set_level(spdlog::level::from_str(level)); },
         "trace, debug, info, warn (default), error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  int exit_code = kExitOk;
  cli::add_quickstart_command(app, exit_code);
  cli::add_report_command(app, exit_code);
  cli::add_bench_command(app, exit_code);
  cli::add_clip_command(app, exit_code);
  cli::add_serve_command(app, exit_code);
  cli::add_worker_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage hint
    return kExitBadInput;
  } catch (const InputError& e) {
    std::cerr << "opusperf: error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "opusperf: error: " << e.what() << "\n";
    return kExitRuntimeFailure;
  }
  return exit_code;
}
