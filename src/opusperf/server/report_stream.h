// ReportStream: what one /api/stream connection sends, a report snapshot per interval as
// server-sent events (text/event-stream), without resending the history the client already has.
//
//   ReportStream stream;
//   sink.write(stream.next_event(view.report()));   // every interval
//
// Each event is "event: snapshot", an "id:" counting from 1, and one "data:" line holding the
// report as compact JSON, with two changes: system.series keeps only the points newer than those
// sent before on this connection, and a "stream" object says which ({"seq": n, "series": "full"}
// on the first event, "delta" after), so a client appends instead of redrawing from scratch.
//
// Thread-safety: one instance per connection; not thread-safe. Cost: one copy and one dump of the
// report per event.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace opusperf {

// Returns one server-sent event: "event: <event>\n", "id: <id>\n" when id is not empty, then a
// "data:" line per line of `data`, then a blank line.
std::string sse_event(std::string_view event, std::string_view id, std::string_view data);

class ReportStream {
 public:
  ReportStream() = default;
  ReportStream(const ReportStream&) = delete;
  ReportStream& operator=(const ReportStream&) = delete;

  // Returns `report` trimmed as described above. REQUIRES: report is a JSON object.
  nlohmann::json next_snapshot(nlohmann::json report);
  // Returns next_snapshot(report) framed as a server-sent event.
  std::string next_event(nlohmann::json report);

 private:
  std::uint64_t seq_ = 0;
  std::optional<double> last_t_ms_;  // t_ms of the newest series point sent
};

}  // namespace opusperf
