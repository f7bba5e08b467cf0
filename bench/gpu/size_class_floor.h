// The floor of `opusperf bench alloc`: the least work a thread-safe caching allocator can do
// when, like CachingAllocator (and PyTorch's and RMM's pools), it is freed by address alone and
// keeps its books outside the memory it hands out. Each size (rounded up to 512 bytes) is its own
// class with a stack of free addresses; an address map (the pool's own PointerMap) remembers each
// live address's class; the pool's own mutex guards each call. Nothing else: no best fit across
// classes, no splitting or merging, no streams, no statistics, no memory cap, and memory is
// never given back. It replays the workload beside the pool so that every run shows how much of
// the pool's cost is its rules and how much any such allocator pays, and the most speed-up over
// the baseline that any of them could show on this machine.
//
//   SizeClassFloor floor;
//   void* p = floor.allocate(1000);  // an address for 1024 bytes' class
//   floor.deallocate(p);             // back on its class's stack; the next allocate takes it
//
// The addresses are not backed by memory (the benchmark never touches what it allocates):
// they count up from 2^40 in 512-byte steps. Thread-safe, like the pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "opusperf/gpu/allocator_mutex.h"
#include "opusperf/gpu/pointer_map.h"

namespace opusperf::bench {

class SizeClassFloor {
 public:
  static constexpr std::size_t kUnit = 512;  // the pool's rounding

  // Returns an address for `bytes` (rounded up to kUnit), the one freed last in its class if
  // there is one. bytes == 0 counts as one unit.
  void* allocate(std::size_t bytes) {
    const std::size_t units = bytes == 0 ? 1 : (bytes + kUnit - 1) / kUnit;
    std::lock_guard lock(mu_);
    if (units >= free_.size()) free_.resize(units + 1);
    std::vector<char*>& stack = free_[units];
    char* p;
    if (!stack.empty()) {
      p = stack.back();
      stack.pop_back();
    } else {
      p = reinterpret_cast<char*>(next_);
      next_ += units * kUnit;
    }
    classes_.insert(p, units);
    return p;
  }

  // Puts `p` back on its class's stack. Throws std::invalid_argument when p is not live.
  void deallocate(void* p) {
    std::lock_guard lock(mu_);
    std::size_t units = 0;
    if (p == nullptr || !classes_.take(p, units)) {
      throw std::invalid_argument("size-class floor: deallocate of an address it did not hand out");
    }
    free_[units].push_back(static_cast<char*>(p));
  }

  // Addresses handed out and not freed.
  std::size_t live() const {
    std::lock_guard lock(mu_);
    return classes_.size();
  }

 private:
  mutable gpu::detail::AllocatorMutex mu_;
  gpu::detail::PointerMap<std::size_t> classes_;  // live address -> its class (units)
  std::vector<std::vector<char*>> free_;          // by units: freed addresses, last freed last
  std::uintptr_t next_ = std::uintptr_t{1} << 40;
};

}  // namespace opusperf::bench
