#include "serve_command.h"

#include <fmt/format.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>

#include "config_options.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/server/monitoring_server.h"
#include "opusperf/server/optimizer_view.h"
#include "serve_options.h"

namespace opusperf::cli {
namespace {

struct ServeCommandOptions {
  ConfigOptions config;
  std::string listen = "9464";
  double duration_seconds = 0;  // 0: until interrupted
  std::string report_file;
};

// Blocks SIGINT and SIGTERM in this thread and every thread it starts afterwards, so that they are
// taken by wait_for_signal() instead of killing the process before the report is written.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Waits for a stop signal, or `seconds` when positive. Returns the signal, or 0 on timeout.
int wait_for_signal(const sigset_t& set, double seconds) {
  while (true) {
    int sig = 0;
    if (seconds > 0) {
      timespec ts{};
      ts.tv_sec = static_cast<time_t>(seconds);
      ts.tv_nsec = static_cast<long>((seconds - std::floor(seconds)) * 1e9);
      sig = sigtimedwait(&set, nullptr, &ts);
      if (sig < 0 && errno == EAGAIN) return 0;
    } else if (sigwait(&set, &sig) != 0) {
      sig = -1;
    }
    if (sig > 0) return sig;
    // EINTR: some other signal arrived; keep waiting (a restarted timeout is fine for a sidecar).
  }
}

int run_serve(const ServeCommandOptions& o) {
  if (!(o.duration_seconds >= 0 && std::isfinite(o.duration_seconds))) {
    throw InputError(fmt::format("--duration {}: must be >= 0 seconds", o.duration_seconds));
  }
  const OptimizationConfig config = resolve_config(o.config);
  const ServerOptions options = server_options({o.listen, 0}, config);
  const sigset_t stop_signals = block_stop_signals();  // before any thread starts
  PerformanceOptimizer opt(config);
  OptimizerView view(opt);
  MonitoringServer server(view, options);
  std::cerr << fmt::format(
                   "opusperf: serving {}/ (dashboard), {}/metrics, {}/api/report; {} to stop\n",
                   server.url(), server.url(), server.url(),
                   o.duration_seconds > 0 ? fmt::format("{} s, or Ctrl-C", o.duration_seconds)
                                          : std::string("Ctrl-C"))
            << std::flush;
  const int sig = wait_for_signal(stop_signals, o.duration_seconds);
  if (sig > 0) std::cerr << fmt::format("opusperf: {}: stopping\n", strsignal(sig));
  server.stop();
  if (!o.report_file.empty()) {
    opt.report().save(o.report_file);
    std::cout << "report written to " << o.report_file << "\n";
  }
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Monitor this machine and serve the live dashboard and /metrics until stopped");
  add_config_options(*cmd, o->config);
  cmd->add_option("--listen", o->listen,
                  "[ADDR:]PORT to serve on (ADDR defaults to 127.0.0.1; port 0 picks a free one)")
      ->capture_default_str();
  cmd->add_option("--duration", o->duration_seconds, "Stop after this many seconds (0: at Ctrl-C)")
      ->capture_default_str();
  cmd->add_option("--report", o->report_file, "Write the JSON report here when stopping");
  cmd->callback([o, &exit_code] { exit_code = run_serve(*o); });
}

}  // namespace opusperf::cli
