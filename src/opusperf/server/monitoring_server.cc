#include "opusperf/server/monitoring_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

#include "opusperf/core/errors.h"
#include "opusperf/server/connection_threads.h"
#include "opusperf/server/dashboard_page.h"
#include "opusperf/server/prometheus_text.h"
#include "opusperf/server/report_stream.h"

namespace opusperf {
namespace {

constexpr std::string_view kAllowGet = "GET, HEAD";
constexpr std::string_view kStreamPath = "/api/stream";

bool is_known_path(const std::string& path) {
  return path == "/" || path == "/metrics" || path == "/api/report" || path == kStreamPath ||
         path == "/healthz";
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void validate(const ServerOptions& o) {
  const auto positive = [](auto d) { return d.count() > 0; };
  if (o.threads < 1) throw InputError("monitoring server: threads must be at least 1");
  if (o.max_queued_connections < 1) {
    throw InputError("monitoring server: max_queued_connections must be at least 1");
  }
  if (!positive(o.stream_interval) || !positive(o.read_timeout) || !positive(o.write_timeout) ||
      !positive(o.keep_alive_timeout)) {
    throw InputError("monitoring server: the stream interval and the timeouts must be positive");
  }
}

}  // namespace

class MonitoringServer::Impl {
 public:
  Impl(RunView& view, ServerOptions options)
      : view_(view),
        options_(std::move(options)),
        max_streams_(
            options_.max_streams > 0
                ? options_.max_streams
                : std::max<std::size_t>(1, options_.threads > 2 ? options_.threads - 2 : 1)) {
    configure();
    bind();
    thread_ = std::thread([this] {
      server_.listen_after_bind();
      std::lock_guard lock(mu_);
      listen_returned_ = true;
      cv_.notify_all();
    });
    // cpp-httplib's stop() does nothing until its accept loop runs: wait for that, so a stop()
    // right after construction cannot be lost.
    while (!server_.is_running()) {
      std::unique_lock lock(mu_);
      if (listen_returned_) break;
      cv_.wait_for(lock, std::chrono::milliseconds(1));
    }
  }

  ~Impl() { stop(); }

  const ListenAddress& address() const { return bound_; }

  void stop() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();  // ends every stream's wait at once
    server_.stop();
    std::lock_guard join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void configure() {
    server_.new_task_queue = [this] {
      return new ConnectionThreads(options_.threads, options_.max_queued_connections);
    };
    // cpp-httplib's default also sets SO_REUSEPORT, which would let a second run bind the same
    // port and silently take half the requests; SO_REUSEADDR alone still allows a quick restart.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_.set_read_timeout(options_.read_timeout);
    server_.set_write_timeout(options_.write_timeout);
    server_.set_keep_alive_timeout(options_.keep_alive_timeout.count());
    server_.set_payload_max_length(options_.max_request_body_bytes);
    server_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!is_known_path(req.path)) {
        res.status = 404;
        res.set_content(fmt::format("no such page: {}\n", req.path), "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }
      const bool head_ok = req.path != kStreamPath;
      if (req.method != "GET" && !(head_ok && req.method == "HEAD")) {
        res.status = 405;
        res.set_header("Allow", head_ok ? std::string(kAllowGet) : "GET");
        res.set_content(fmt::format("{} {}: method not allowed\n", req.method, req.path),
                        "text/plain");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server_.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unknown error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          spdlog::warn("monitoring server: {} {} failed: {}", req.method, req.path, what);
          res.status = 500;
          res.set_content(fmt::format("{} failed: {}\n", req.path, what), "text/plain");
        });
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_content(dashboard_page(), "text/html; charset=utf-8");
    });
    server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain");
    });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(view_.metrics_text(), std::string(kPrometheusContentType));
    });
    server_.Get("/api/report", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_content(dump(view_.report()), "application/json");
    });
    server_.Get(std::string(kStreamPath),
                [this](const httplib::Request&, httplib::Response& res) { open_stream(res); });
  }

  void bind() {
    bound_ = options_.address;
    if (bound_.port == 0) {
      bound_.port = server_.bind_to_any_port(bound_.host);
      if (bound_.port < 0) bound_.port = 0;
    } else if (!server_.bind_to_port(bound_.host, bound_.port)) {
      bound_.port = 0;
    }
    if (bound_.port == 0) {
      throw RuntimeError(
          fmt::format("monitoring server: cannot listen on {}:{} (address in use "
                      "or not an address of this machine)",
                      options_.address.host, options_.address.port));
    }
  }

  // Starts a server-sent event stream on `res`, or answers 503 when max_streams are open.
  void open_stream(httplib::Response& res) {
    if (open_streams_.fetch_add(1) >= max_streams_) {
      open_streams_.fetch_sub(1);
      res.status = 503;
      res.set_header("Retry-After", "5");
      res.set_content(fmt::format("too many open streams (at most {})\n", max_streams_),
                      "text/plain");
      return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");
    auto stream = std::make_shared<ReportStream>();
    auto first = std::make_shared<bool>(true);
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, stream, first](std::size_t, httplib::DataSink& sink) {
          if (!*first && !wait_interval()) {
            sink.done();
            return true;
          }
          if (*first) {
            const std::string retry = "retry: 2000\n\n";
            if (!sink.write(retry.data(), retry.size())) return false;
            *first = false;
          }
          std::string event;
          try {
            event = stream->next_event(*shared_report());
          } catch (const std::exception& e) {
            event = sse_event("error", "", e.what());
          }
          return sink.write(event.data(), event.size());
        },
        [this](bool) { open_streams_.fetch_sub(1); });
  }

  // Waits one stream interval. Returns false when the server is stopping.
  bool wait_interval() {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, options_.stream_interval, [this] { return stopping_; });
  }

  // Returns the report for streams: one shared by every stream for half an interval, so several
  // open dashboards cost one report() per interval, not one each.
  std::shared_ptr<const nlohmann::json> shared_report() {
    std::lock_guard lock(report_mu_);
    const auto now = std::chrono::steady_clock::now();
    if (!cached_report_ || now - cached_at_ >= options_.stream_interval / 2) {
      cached_report_ = std::make_shared<const nlohmann::json>(view_.report());
      cached_at_ = now;
    }
    return cached_report_;
  }

  RunView& view_;
  const ServerOptions options_;
  const std::size_t max_streams_;
  httplib::Server server_;
  ListenAddress bound_;
  std::atomic<std::size_t> open_streams_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;         // guarded by mu_
  bool listen_returned_ = false;  // guarded by mu_

  std::mutex report_mu_;
  std::shared_ptr<const nlohmann::json> cached_report_;  // guarded by report_mu_
  std::chrono::steady_clock::time_point cached_at_;      // guarded by report_mu_

  std::mutex join_mu_;
  std::thread thread_;
};

MonitoringServer::MonitoringServer(RunView& view, ServerOptions options) {
  validate(options);
  impl_ = std::make_unique<Impl>(view, std::move(options));
}

MonitoringServer::~MonitoringServer() {
  if (impl_) impl_->stop();
}

const ListenAddress& MonitoringServer::address() const {
  return impl_->address();
}

std::string MonitoringServer::url() const {
  return http_url(impl_->address());
}

void MonitoringServer::stop() {
  impl_->stop();
}

}  // namespace opusperf
