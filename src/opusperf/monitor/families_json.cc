#include "opusperf/monitor/families_json.h"

#include <string>

namespace opusperf {

nlohmann::json families_json(const std::vector<FamilySnapshot>& families) {
  nlohmann::json out = nlohmann::json::array();
  for (const FamilySnapshot& f : families) {
    const double scale = f.kind == MetricKind::kHistogram && histogram_in_seconds(f.name) ? 1e9 : 1;
    nlohmann::json samples = nlohmann::json::array();
    for (const MetricSample& s : f.samples) {
      nlohmann::json labels = nlohmann::json::object();
      for (std::size_t i = 0; i < f.label_names.size() && i < s.label_values.size(); ++i)
        labels[f.label_names[i]] = s.label_values[i];
      nlohmann::json j = {{"labels", std::move(labels)}};
      if (s.histogram) {
        const HistogramSnapshot& h = *s.histogram;
        const auto v = [scale](double x) { return x / scale; };
        j["count"] = h.count();
        j["sum"] = v(static_cast<double>(h.sum()));
        j["mean"] = v(h.mean());
        j["p50"] = v(static_cast<double>(h.percentile(0.50)));
        j["p90"] = v(static_cast<double>(h.percentile(0.90)));
        j["p99"] = v(static_cast<double>(h.percentile(0.99)));
        j["max"] = v(static_cast<double>(h.max()));
      } else {
        j["value"] = s.value;
      }
      samples.push_back(std::move(j));
    }
    out.push_back({{"name", f.name},
                   {"help", f.help},
                   {"type", std::string(to_string(f.kind))},
                   {"labels", f.label_names},
                   {"samples", std::move(samples)}});
  }
  return out;
}

}  // namespace opusperf
