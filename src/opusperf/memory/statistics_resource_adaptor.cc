#include "opusperf/memory/statistics_resource_adaptor.h"

#include <stdexcept>

namespace opusperf {

StatisticsResourceAdaptor::StatisticsResourceAdaptor(std::pmr::memory_resource* upstream)
    : upstream_(upstream) {
  if (upstream == nullptr) throw std::invalid_argument("StatisticsResourceAdaptor: null upstream");
}

ResourceStats StatisticsResourceAdaptor::stats() const {
  ResourceStats s;
  s.allocations = allocations_.load(std::memory_order_relaxed);
  s.deallocations = deallocations_.load(std::memory_order_relaxed);
  s.bytes_allocated_total = bytes_total_.load(std::memory_order_relaxed);
  s.bytes_outstanding = bytes_outstanding_.load(std::memory_order_relaxed);
  s.bytes_outstanding_peak = bytes_peak_.load(std::memory_order_relaxed);
  return s;
}

void* StatisticsResourceAdaptor::do_allocate(std::size_t bytes, std::size_t alignment) {
  void* p = upstream_->allocate(bytes, alignment);  // throws before anything is counted
  allocations_.fetch_add(1, std::memory_order_relaxed);
  bytes_total_.fetch_add(bytes, std::memory_order_relaxed);
  const std::uint64_t now = bytes_outstanding_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  std::uint64_t peak = bytes_peak_.load(std::memory_order_relaxed);
  while (now > peak && !bytes_peak_.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return p;
}

void StatisticsResourceAdaptor::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  upstream_->deallocate(p, bytes, alignment);
  deallocations_.fetch_add(1, std::memory_order_relaxed);
  bytes_outstanding_.fetch_sub(bytes, std::memory_order_relaxed);
}

bool StatisticsResourceAdaptor::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

}  // namespace opusperf
