#include "opusperf/tune/controller.h"

namespace opusperf {

std::string_view to_string(TuneAction action) {
  switch (action) {
    case TuneAction::kProbe:
      return "probe";
    case TuneAction::kAccept:
      return "accept";
    case TuneAction::kRollback:
      return "rollback";
    case TuneAction::kRevert:
      return "revert";
    case TuneAction::kMove:
      return "move";
    case TuneAction::kMeasure:
      return "measure";
    case TuneAction::kReset:
      return "reset";
  }
  return "unknown";
}

}  // namespace opusperf
