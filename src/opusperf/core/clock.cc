#include "opusperf/core/clock.h"

namespace opusperf {

SteadyClock& SteadyClock::instance() {
  static SteadyClock clock;
  return clock;
}

}  // namespace opusperf
