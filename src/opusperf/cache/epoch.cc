#include "opusperf/cache/epoch.h"

#include <cstdlib>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace opusperf::cache {
namespace {

EpochDomain::Record* acquire_record(std::atomic<EpochDomain::Record*>& head,
                                    std::atomic<std::uint32_t>& next_index) {
  for (EpochDomain::Record* r = head.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    bool expected = false;
    if (!r->in_use.load(std::memory_order_relaxed) &&
        r->in_use.compare_exchange_strong(expected, true, std::memory_order_acquire)) {
      return r;
    }
  }
  // Records are never freed: a process has a bounded number of threads alive at once, and a
  // record is reused by the next thread after its owner exits.
  auto* r = new EpochDomain::Record;
  r->in_use.store(true, std::memory_order_relaxed);
  r->index = next_index.fetch_add(1, std::memory_order_relaxed);
  EpochDomain::Record* first = head.load(std::memory_order_relaxed);
  do {
    r->next = first;
  } while (
      !head.compare_exchange_weak(first, r, std::memory_order_release, std::memory_order_relaxed));
  return r;
}

#if defined(__linux__) && !defined(__SANITIZE_THREAD__)
long membarrier(int cmd) {
  return syscall(__NR_membarrier, cmd, 0, 0);
}

// Registers the process for expedited private membarriers; true when they can be used.
bool register_membarrier() {
  const long supported = membarrier(MEMBARRIER_CMD_QUERY);
  if (supported < 0 || (supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED) == 0) return false;
  return membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
}

// Runs before main(), before any thread a program starts can pin.
[[maybe_unused]] const bool kAsymmetricRegistered = [] {
  const bool ok = register_membarrier();
  EpochDomain::enable_asymmetric(ok);
  return ok;
}();

// A full memory barrier in every running thread of the process.
void heavy_barrier() {
  if (membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) != 0) std::abort();  // registered above
}
#else
void heavy_barrier() {}
#endif

}  // namespace

struct EpochDomain::ThreadOwner {
  Record* record = nullptr;
  ~ThreadOwner() {
    if (record != nullptr) record->in_use.store(false, std::memory_order_release);
    t_record = nullptr;
  }
};

EpochDomain::Record& EpochDomain::acquire_thread_record() {
  thread_local ThreadOwner owner;
  EpochDomain& d = global();
  owner.record = acquire_record(d.records_, d.next_index_);
  t_record = owner.record;
  return *owner.record;
}

std::uint64_t EpochDomain::try_advance() {
  // Makes every reader's pin that precedes its loads visible before the scan below.
  if (asymmetric()) heavy_barrier();
  std::uint64_t e = epoch_.load(std::memory_order_seq_cst);
  for (Record* r = records_.load(std::memory_order_acquire); r != nullptr; r = r->next) {
    const std::uint64_t pinned = r->pinned.load(std::memory_order_seq_cst);
    if (pinned != 0 && pinned != e) return e;  // a reader still in an older epoch
  }
  epoch_.compare_exchange_strong(e, e + 1, std::memory_order_seq_cst);
  return epoch_.load(std::memory_order_seq_cst);
}

}  // namespace opusperf::cache
