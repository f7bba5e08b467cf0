// PrecisionScope: an autocast-style choice of compute precision for the current thread. Code that
// can compute in fp16 or bf16 reads PrecisionScope::current() and converts its inputs (precision.h)
// accordingly; the caller decides, once, around a region of work:
//
//   {
//     PrecisionScope scope(gpu_optimizer.compute_precision());   // bf16 when mixed_precision is on
//     run_model(frames);            // reads PrecisionScope::current()
//   }                               // the previous precision is back
//
// Scopes nest; the innermost wins, and leaving it restores the one outside. A thread outside any
// scope computes in fp32.
//
// Thread-safety: the state is thread-local; a scope affects only the thread that made it and must
// be destroyed on that thread (it lives on the stack). Cost: one thread-local read or write.
#pragma once

#include "opusperf/gpu/precision.h"

namespace opusperf::gpu {

class PrecisionScope {
 public:
  // Makes `p` the current precision of this thread until the scope ends.
  explicit PrecisionScope(Precision p);
  ~PrecisionScope();
  PrecisionScope(const PrecisionScope&) = delete;
  PrecisionScope& operator=(const PrecisionScope&) = delete;

  // Returns the precision of this thread's innermost scope; Precision::kFloat32 outside any.
  static Precision current();

 private:
  const Precision previous_;
};

}  // namespace opusperf::gpu
