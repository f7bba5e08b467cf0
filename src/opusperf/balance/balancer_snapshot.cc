#include "opusperf/balance/balancer_snapshot.h"

#include <string>

namespace opusperf {
namespace {

double ms(double seconds) {
  return seconds * 1e3;
}
double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}
double ns_to_ms(std::uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace

nlohmann::json to_json(const BalancerSnapshot& s) {
  nlohmann::json workers = nlohmann::json::array();
  for (const WorkerSnapshot& w : s.workers) {
    workers.push_back({
        {"name", w.name},
        {"weight", w.weight},
        {"effective_weight", w.effective_weight},
        {"state", to_string(w.state)},
        {"in_flight", w.in_flight},
        {"reported_load", w.reported_load},
        {"requests", w.requests},
        {"errors", w.errors},
        {"ejections", w.ejections},
        {"share_percent", w.share_percent},
        {"latency_ewma_ms", ms(w.latency_ewma_s)},
        {"service_time_ms", ms(w.service_time_s)},
        {"ejected_for_ms", ms(w.ejected_for_s)},
        {"latency_ms",
         {{"count", w.latency_ns.count()},
          {"p50", ns_to_ms(w.latency_ns.percentile(0.50))},
          {"p99", ns_to_ms(w.latency_ns.percentile(0.99))},
          {"max", ns_to_ms(w.latency_ns.max())}}},
    });
  }
  nlohmann::json events = nlohmann::json::array();
  for (const HealthEvent& e : s.recent_events) {
    nlohmann::json j = {{"at_ms", ms(e.at - s.started)}, {"event", to_string(e.kind)}};
    const bool panic_event =
        e.kind == HealthEvent::Kind::kPanicStarted || e.kind == HealthEvent::Kind::kPanicEnded;
    if (!panic_event) {
      j["worker"] =
          e.worker < s.workers.size() ? s.workers[e.worker].name : std::to_string(e.worker);
    }
    if (!e.reason.empty()) j["reason"] = e.reason;
    if (e.kind == HealthEvent::Kind::kEjected) j["ejection_ms"] = ms(e.ejection_time);
    events.push_back(std::move(j));
  }
  return {
      {"name", s.name},         {"policy", s.policy},      {"panic", s.panic},
      {"requests", s.requests}, {"errors", s.errors},      {"ejections", s.ejections},
      {"workers", workers},     {"recent_events", events},
  };
}

}  // namespace opusperf
