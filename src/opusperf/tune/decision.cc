#include "opusperf/tune/decision.h"

#include <fmt/format.h>

namespace opusperf {

nlohmann::json to_json(const Decision& d) {
  return {{"at_ms", std::chrono::duration<double, std::milli>(d.since_start).count()},
          {"knob", d.knob},
          {"controller", d.controller},
          {"action", std::string(to_string(d.action))},
          {"from", d.from},
          {"to", d.to},
          {"evidence", d.evidence},
          {"confidence", d.confidence}};
}

std::string to_text(const Decision& d) {
  return fmt::format("{:>8.2f}s  {:<8} {:>6g} -> {:<6g} {:>6.3f}  {}",
                     std::chrono::duration<double>(d.since_start).count(), to_string(d.action),
                     d.from, d.to, d.confidence, d.evidence);
}

std::string decision_text_header() {
  return fmt::format("{:>9}  {:<8} {:>6}    {:<6} {:>6}  {}", "time", "action", "from", "to",
                     "conf", "evidence");
}

}  // namespace opusperf
