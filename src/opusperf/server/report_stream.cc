#include "opusperf/server/report_stream.h"

namespace opusperf {

std::string sse_event(std::string_view event, std::string_view id, std::string_view data) {
  std::string out = "event: ";
  out += event;
  out += '\n';
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t end = data.find('\n', start);
    out += "data: ";
    out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  out += '\n';
  return out;
}

nlohmann::json ReportStream::next_snapshot(nlohmann::json report) {
  const bool full = seq_ == 0;
  ++seq_;
  auto system = report.find("system");
  if (system != report.end() && system->is_object()) {
    auto series = system->find("series");
    if (series != system->end() && series->is_array()) {
      nlohmann::json kept = nlohmann::json::array();
      for (nlohmann::json& point : *series) {
        const auto t = point.find("t_ms");
        if (t == point.end() || !t->is_number()) continue;
        const double t_ms = t->get<double>();
        if (last_t_ms_ && t_ms <= *last_t_ms_) continue;
        last_t_ms_ = t_ms;
        kept.push_back(std::move(point));
      }
      *series = std::move(kept);
    }
  }
  report["stream"] = {{"seq", seq_}, {"series", full ? "full" : "delta"}};
  return report;
}

std::string ReportStream::next_event(nlohmann::json report) {
  const nlohmann::json snapshot = next_snapshot(std::move(report));
  return sse_event("snapshot", std::to_string(seq_),
                   snapshot.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace opusperf
