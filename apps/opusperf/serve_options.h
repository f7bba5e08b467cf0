// The `--serve [ADDR:]PORT` and `--linger SECONDS` flags a running subcommand takes (quickstart
// examples; clip and worker use the same), and ServeScope, which serves the run's dashboard,
// /metrics and report while the run lasts.
//
//   ServeSettings serve;                         // filled by add_serve_options(cmd, serve)
//   PerformanceOptimizer opt(config);
//   ServeScope scope(opt, serve);                // no-op without --serve
//   ... the run ...
//   // ~ServeScope: keeps serving for --linger seconds, then stops the server
//
// The server binds 127.0.0.1 unless ADDR says otherwise; port 0 takes any free port. The address
// it serves on is printed to stderr as "opusperf: serving http://HOST:PORT/ ..." so scripts and
// tests can find it.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/server/monitoring_server.h"
#include "opusperf/server/optimizer_view.h"

namespace opusperf::cli {

struct ServeSettings {
  std::string address;        // "[ADDR:]PORT"; empty: no server
  double linger_seconds = 0;  // keep serving this long after the work; 0 .. 86400
};

// Adds --serve and --linger to `cmd`, writing into `settings`.
void add_serve_options(CLI::App& cmd, ServeSettings& settings);

// Returns the server options for `settings` and a run with `config`: the parsed address, and a
// stream interval of the config's monitoring_interval (at least 100 ms). Throws InputError on a bad
// address or linger.
ServerOptions server_options(const ServeSettings& settings, const OptimizationConfig& config);

class ServeScope {
 public:
  // Starts serving `optimizer` when settings.address is set. REQUIRES: `optimizer` outlives the
  // scope. Throws InputError (bad flag) or RuntimeError (cannot bind).
  ServeScope(PerformanceOptimizer& optimizer, const ServeSettings& settings);
  // Keeps serving for the linger time (not when an exception is unwinding), then stops.
  ~ServeScope();
  ServeScope(const ServeScope&) = delete;
  ServeScope& operator=(const ServeScope&) = delete;

  // Returns the server, or nullptr without --serve.
  MonitoringServer* server() const { return server_.get(); }

 private:
  std::unique_ptr<OptimizerView> view_;
  std::unique_ptr<MonitoringServer> server_;
  double linger_seconds_ = 0;
};

}  // namespace opusperf::cli
