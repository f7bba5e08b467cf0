#include "opusperf/server/optimizer_view.h"

#include <iterator>

#include "opusperf/monitor/families_json.h"
#include "opusperf/server/prometheus_text.h"
#include "opusperf/server/run_families.h"

namespace opusperf {

std::string OptimizerView::metrics_text() {
  std::vector<FamilySnapshot> families = optimizer_.metrics().collect();
  std::vector<FamilySnapshot> ops = operation_families(optimizer_.operations().all());
  families.insert(families.end(), std::make_move_iterator(ops.begin()),
                  std::make_move_iterator(ops.end()));
  const std::vector<SystemPoint> history = optimizer_.system_history();
  if (!history.empty()) {
    std::vector<FamilySnapshot> system = system_families(history.back().sample);
    families.insert(families.end(), std::make_move_iterator(system.begin()),
                    std::make_move_iterator(system.end()));
  }
  return render_prometheus_text(families);
}

nlohmann::json OptimizerView::report() {
  nlohmann::json doc = optimizer_.report().json();
  if (!doc.contains("metrics")) doc["metrics"] = families_json(optimizer_.metrics().collect());
  return doc;
}

}  // namespace opusperf
