#include "serve_options.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <thread>

#include "opusperf/core/errors.h"
#include "opusperf/server/listen_address.h"

namespace opusperf::cli {

void add_serve_options(CLI::App& cmd, ServeSettings& settings) {
  cmd.add_option("--serve", settings.address,
                 "Serve the live dashboard, /metrics and /api/report at [ADDR:]PORT while the run "
                 "lasts (ADDR defaults to 127.0.0.1; port 0 picks a free one)");
  cmd.add_option("--linger", settings.linger_seconds,
                 "With --serve: keep serving this many seconds after the work is done")
      ->capture_default_str();
}

ServerOptions server_options(const ServeSettings& settings, const OptimizationConfig& config) {
  if (!(settings.linger_seconds >= 0 && settings.linger_seconds <= 86400)) {
    throw InputError(
        fmt::format("--linger {}: must be from 0 to 86400 seconds", settings.linger_seconds));
  }
  ServerOptions options;
  options.address = parse_listen_address(settings.address, "--serve");
  options.stream_interval = std::max<std::chrono::milliseconds>(config.monitoring_interval,
                                                                std::chrono::milliseconds(100));
  return options;
}

ServeScope::ServeScope(PerformanceOptimizer& optimizer, const ServeSettings& settings) {
  if (settings.address.empty()) {
    if (settings.linger_seconds > 0)
      std::cerr << "opusperf: --linger has no effect without --serve\n";
    return;
  }
  const ServerOptions options = server_options(settings, optimizer.config());
  linger_seconds_ = settings.linger_seconds;
  view_ = std::make_unique<OptimizerView>(optimizer);
  server_ = std::make_unique<MonitoringServer>(*view_, options);
  std::cerr << fmt::format("opusperf: serving {}/ (dashboard), {}/metrics, {}/api/report\n",
                           server_->url(), server_->url(), server_->url())
            << std::flush;
}

ServeScope::~ServeScope() {
  if (!server_) return;
  if (linger_seconds_ > 0 && std::uncaught_exceptions() == 0) {
    std::cerr << fmt::format("opusperf: run done; serving {}/ for {} s more\n", server_->url(),
                             linger_seconds_)
              << std::flush;
    std::this_thread::sleep_for(std::chrono::duration<double>(linger_seconds_));
  }
  server_->stop();
}

}  // namespace opusperf::cli
