// StatisticsResourceAdaptor: a memory resource that forwards to an upstream resource and counts
// what passes through it (RMM's statistics_resource_adaptor, over std::pmr::memory_resource).
//
//   StatisticsResourceAdaptor counted(&MmapMemoryResource::instance());
//   BufferPool pool(options, &counted);                 // the pool's upstream traffic, counted
//   counted.stats().allocations                         // how often the pool went upstream
//
// Resources stack: an adaptor may sit over a pool, a pool over an adaptor, and so on.
//
// Thread-safety: every method may be called from many threads if the upstream allows it; the
// counters are relaxed atomics, each exact, the set not one atomic cut.
// Cost: the upstream's, plus four atomic updates per call.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory_resource>

namespace opusperf {

struct ResourceStats {
  std::uint64_t allocations = 0;    // successful allocate() calls
  std::uint64_t deallocations = 0;  // deallocate() calls
  std::uint64_t bytes_allocated_total = 0;
  std::uint64_t bytes_outstanding = 0;  // allocated and not yet deallocated
  std::uint64_t bytes_outstanding_peak = 0;
};

class StatisticsResourceAdaptor final : public std::pmr::memory_resource {
 public:
  // REQUIRES: upstream != nullptr and outlives this adaptor.
  explicit StatisticsResourceAdaptor(std::pmr::memory_resource* upstream);
  StatisticsResourceAdaptor(const StatisticsResourceAdaptor&) = delete;
  StatisticsResourceAdaptor& operator=(const StatisticsResourceAdaptor&) = delete;

  std::pmr::memory_resource* upstream() const { return upstream_; }
  // Returns the counters so far.
  ResourceStats stats() const;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  std::pmr::memory_resource* const upstream_;
  std::atomic<std::uint64_t> allocations_{0};
  std::atomic<std::uint64_t> deallocations_{0};
  std::atomic<std::uint64_t> bytes_total_{0};
  std::atomic<std::uint64_t> bytes_outstanding_{0};
  std::atomic<std::uint64_t> bytes_peak_{0};
};

}  // namespace opusperf
