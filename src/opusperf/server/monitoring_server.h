// MonitoringServer: the embedded HTTP server a run starts with `--serve`, showing a RunView.
//
//   PerformanceOptimizer opt(config);
//   OptimizerView view(opt);
//   MonitoringServer server(view, {.address = parse_listen_address("9464")});
//   std::cerr << "dashboard: " << server.url() << "/\n";
//   ... the run ...                      // server.stop() or the destructor ends it
//
// Endpoints (GET; HEAD too, but for the stream):
//   /             the dashboard page (embedded; it follows /api/stream)
//   /metrics      Prometheus text format 0.0.4 (RunView::metrics_text())
//   /api/report   the run's report as JSON (RunView::report())
//   /api/stream   server-sent events: a report snapshot every stream_interval (report_stream.h)
//   /healthz      "ok"
// Any other path answers 404; another method on a known path answers 405 with an Allow header.
//
// Isolation from the observed work: requests run on the server's own bounded set of threads
// (ConnectionThreads), so every snapshot is taken on a server thread; slow or stalled clients are
// cut off by the read and write timeouts, request bodies by the payload limit, over-long header
// lines by cpp-httplib's 8 KiB line limit (the request is refused); event streams are capped so
// other requests always find a thread. Concurrent streams share one report per half interval.
//
// Thread-safety: url(), port() and stop() may be called from any thread. Not copyable or movable:
// the server's threads hold pointers to it.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "opusperf/server/listen_address.h"
#include "opusperf/server/run_view.h"

namespace opusperf {

struct ServerOptions {
  ListenAddress address;  // default 127.0.0.1, any free port
  // Threads that serve connections; an open dashboard holds one for as long as it is open.
  std::size_t threads = 8;
  // Accepted connections that may wait for a thread; more wait in the kernel's backlog.
  std::size_t max_queued_connections = 64;
  // Concurrent /api/stream connections; 0 = threads - 2, so /metrics and the rest keep two threads.
  // Past it a new stream gets 503.
  std::size_t max_streams = 0;
  std::chrono::milliseconds stream_interval{1000};  // a snapshot this often on /api/stream
  // A client that sends or takes nothing for this long is disconnected.
  std::chrono::milliseconds read_timeout{2000};
  std::chrono::milliseconds write_timeout{2000};
  // An idle keep-alive connection is closed after this; it also bounds how long stop() waits.
  std::chrono::seconds keep_alive_timeout{1};
  std::size_t max_request_body_bytes = 4096;  // every endpoint is a GET; bodies are refused past it
};

class MonitoringServer {
 public:
  // Binds options.address and starts serving on background threads. `view` must outlive the
  // server. Throws InputError when the options are invalid and RuntimeError when the address
  // cannot be bound (in use, not local, ...).
  MonitoringServer(RunView& view, ServerOptions options);
  // Stops the server (see stop()).
  ~MonitoringServer();
  MonitoringServer(const MonitoringServer&) = delete;
  MonitoringServer& operator=(const MonitoringServer&) = delete;

  // Returns the bound address: the port the OS chose when options.address.port was 0.
  const ListenAddress& address() const;
  // Returns "http://HOST:PORT" of the bound address.
  std::string url() const;

  // Ends every event stream, stops accepting and waits until no server thread runs. Returns within
  // about max(read_timeout, write_timeout, keep_alive_timeout) even with stalled clients.
  // Idempotent.
  void stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace opusperf
