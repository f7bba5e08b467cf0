#include "opusperf/gpu/precision_scope.h"

namespace opusperf::gpu {
namespace {

thread_local Precision current_precision = Precision::kFloat32;

}  // namespace

PrecisionScope::PrecisionScope(Precision p) : previous_(current_precision) {
  current_precision = p;
}

PrecisionScope::~PrecisionScope() {
  current_precision = previous_;
}

Precision PrecisionScope::current() {
  return current_precision;
}

}  // namespace opusperf::gpu
