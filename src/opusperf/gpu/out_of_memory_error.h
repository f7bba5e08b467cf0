// OutOfMemoryError: what CachingAllocator::allocate() throws when a request cannot be met, even
// after freeing every cached block: the cap (memory fraction x device memory) would be exceeded, or
// the device itself is full. The message gives the figures needed to decide what to change:
//
//   gpu allocator: out of memory: tried to allocate 24.00 MiB on stream 0; 100.00 MiB allocated,
//   120.00 MiB reserved, cap 128.00 MiB (memory fraction 0.50 of 256.00 MiB); device free 80.0 MiB
//
// It is a RuntimeError (exit code 1 in the CLI). Thread-safety: a value type.
#pragma once

#include <cstdint>
#include <string>

#include "opusperf/core/errors.h"

namespace opusperf::gpu {

struct OutOfMemoryDetails {
  std::uint64_t requested_bytes = 0;  // what the caller asked for
  std::uint64_t stream = 0;
  std::uint64_t allocated_bytes = 0;  // held by callers when it failed
  std::uint64_t reserved_bytes = 0;   // held from the device when it failed
  std::uint64_t cap_bytes = 0;
  double memory_fraction = 0;
  std::uint64_t device_total_bytes = 0;
  std::uint64_t device_free_bytes = 0;
  bool device_refused = false;  // true: the device was full below the cap
};

class OutOfMemoryError : public RuntimeError {
 public:
  explicit OutOfMemoryError(const OutOfMemoryDetails& details);
  const OutOfMemoryDetails& details() const { return details_; }

 private:
  OutOfMemoryDetails details_;
};

// Returns "512 B", "1.50 KiB", "24.00 MiB", "3.00 GiB": sizes in the allocator's messages.
std::string format_bytes(std::uint64_t bytes);

}  // namespace opusperf::gpu
