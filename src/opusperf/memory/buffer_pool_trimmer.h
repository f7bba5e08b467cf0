// Makes a BufferPool a Trimmer: under pressure it hands idle buffers back to its upstream.
//
//   auto handle = memory.trimmers().add(buffer_pool_trimmer(pool, "frame_pool"));
//
// What each level releases: kElevated half of the idle bytes (the pool keeps a warm half for the
// next frames), kHigh and kCritical all of them; kNormal nothing. Buffers in use are never touched.
// Reclaimable bytes are the pool's idle bytes.
//
// Thread-safety: as BufferPool. REQUIRES: the pool outlives the registration.
#pragma once

#include <string>

#include "opusperf/memory/buffer_pool.h"
#include "opusperf/memory/trimmer.h"

namespace opusperf {

// Priority of pool trimmers: after caches and the like (lower numbers), because what a cache
// drops may be pool buffers, which only become idle, and so releasable, once the cache lets go.
inline constexpr int kBufferPoolTrimPriority = 90;

// Returns a trimmer for `pool` named `name`.
Trimmer buffer_pool_trimmer(BufferPool& pool, std::string name,
                            int priority = kBufferPoolTrimPriority);

}  // namespace opusperf
