#include "opusperf/memory/buffer_pool_trimmer.h"

namespace opusperf {

Trimmer buffer_pool_trimmer(BufferPool& pool, std::string name, int priority) {
  Trimmer t;
  t.name = std::move(name);
  t.priority = priority;
  t.trim = [&pool](PressureLevel level) -> std::uint64_t {
    switch (level) {
      case PressureLevel::kNormal:
        return 0;
      case PressureLevel::kElevated:
        return pool.release_idle(pool.stats().bytes_idle / 2);
      case PressureLevel::kHigh:
      case PressureLevel::kCritical:
        return pool.release_idle(0);
    }
    return 0;
  };
  t.reclaimable_bytes = [&pool] { return pool.stats().bytes_idle; };
  return t;
}

}  // namespace opusperf
