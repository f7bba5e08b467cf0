#include "opusperf/gpu/host_backend.h"

#include <fmt/format.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "opusperf/core/errors.h"

namespace opusperf::gpu {
namespace {

std::size_t system_page_size() {
  return static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::uint64_t physical_memory() {
  return static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * system_page_size();
}

std::size_t round_up(std::size_t n, std::size_t unit) {
  return (n + unit - 1) / unit * unit;
}

constexpr std::size_t kHostAlignment = 64;  // a cache line

// Maps fresh anonymous memory with `prot`; returns nullptr when the kernel refuses.
void* map_anonymous(std::size_t bytes, int prot) {
  void* p = mmap(nullptr, bytes, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

[[noreturn]] void fail(const char* what, std::size_t bytes) {
  throw RuntimeError(
      fmt::format("host backend: {} of {} bytes failed: {}", what, bytes, std::strerror(errno)));
}

}  // namespace

HostBackend::HostBackend(HostBackendOptions options)
    : page_size_(system_page_size()),
      capacity_(options.capacity_bytes != 0 ? options.capacity_bytes : physical_memory()),
      manual_events_(options.manual_event_completion),
      virtual_memory_(options.virtual_memory) {}

HostBackend::~HostBackend() = default;

DeviceInfo HostBackend::info() const {
  return DeviceInfo{"host", "host memory (page-backed)", 0, capacity_, ""};
}

MemoryInfo HostBackend::memory_info() const {
  const std::uint64_t used = in_use_.load(std::memory_order_relaxed);
  return MemoryInfo{capacity_, used < capacity_ ? capacity_ - used : 0};
}

bool HostBackend::take_capacity(std::uint64_t bytes) {
  std::uint64_t used = in_use_.load(std::memory_order_relaxed);
  do {
    if (bytes > capacity_ || used > capacity_ - bytes) return false;
  } while (!in_use_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed));
  return true;
}

void* HostBackend::allocate(std::size_t bytes) {
  if (bytes == 0) throw std::invalid_argument("host backend: allocate(0)");
  const std::size_t rounded = round_up(bytes, page_size_);
  allocate_calls_.fetch_add(1, std::memory_order_relaxed);
  if (!take_capacity(rounded)) return nullptr;
  void* p = map_anonymous(rounded, PROT_READ | PROT_WRITE);
  if (p == nullptr) in_use_.fetch_sub(rounded, std::memory_order_relaxed);
  return p;
}

void HostBackend::deallocate(void* p, std::size_t bytes) {
  const std::size_t rounded = round_up(bytes, page_size_);
  if (munmap(p, rounded) != 0) fail("munmap", rounded);
  in_use_.fetch_sub(rounded, std::memory_order_relaxed);
}

void* HostBackend::allocate_host(std::size_t bytes) {
  void* p =
      std::aligned_alloc(kHostAlignment, round_up(std::max<std::size_t>(bytes, 1), kHostAlignment));
  if (p == nullptr)
    throw RuntimeError(fmt::format("host backend: no memory for {} host bytes", bytes));
  return p;
}

void HostBackend::deallocate_host(void* p) {
  std::free(p);
}

void* HostBackend::reserve_address(std::size_t bytes) {
  return map_anonymous(round_up(bytes, page_size_), PROT_NONE);
}

bool HostBackend::map(void* at, std::size_t bytes) {
  map_calls_.fetch_add(1, std::memory_order_relaxed);
  if (!take_capacity(bytes)) return false;
  if (mprotect(at, bytes, PROT_READ | PROT_WRITE) != 0) {
    in_use_.fetch_sub(bytes, std::memory_order_relaxed);
    if (errno == ENOMEM) return false;
    fail("mprotect", bytes);
  }
  return true;
}

void HostBackend::unmap(void* at, std::size_t bytes) {
  // DONTNEED drops the pages (the next map() sees zeroes, like fresh device memory); PROT_NONE
  // makes a use after unmap fault instead of silently touching memory again.
  if (madvise(at, bytes, MADV_DONTNEED) != 0) fail("madvise", bytes);
  if (mprotect(at, bytes, PROT_NONE) != 0) fail("mprotect", bytes);
  in_use_.fetch_sub(bytes, std::memory_order_relaxed);
}

void HostBackend::release_address(void* base, std::size_t bytes) {
  const std::size_t rounded = round_up(bytes, page_size_);
  if (munmap(base, rounded) != 0) fail("munmap", rounded);
}

Stream HostBackend::create_stream() {
  return Stream{next_id_.fetch_add(1)};
}

void HostBackend::destroy_stream(Stream s) {
  std::lock_guard lock(mu_);
  captures_.erase(s.id);
}

Event HostBackend::create_event() {
  const Event e{next_id_.fetch_add(1)};
  std::lock_guard lock(mu_);
  events_.emplace(e.id, EventState{});
  return e;
}

void HostBackend::destroy_event(Event e) {
  std::lock_guard lock(mu_);
  events_.erase(e.id);
}

void HostBackend::record_event(Event e, Stream s) {
  std::lock_guard lock(mu_);
  const auto it = events_.find(e.id);
  if (it == events_.end()) throw std::invalid_argument("host backend: record of an unknown event");
  it->second = EventState{manual_events_, s};
}

bool HostBackend::event_completed(Event e) const {
  std::lock_guard lock(mu_);
  const auto it = events_.find(e.id);
  return it == events_.end() || !it->second.pending;
}

std::size_t HostBackend::complete_where(const std::function<bool(const EventState&)>& which) {
  std::lock_guard lock(mu_);
  std::size_t completed = 0;
  for (auto& [id, state] : events_) {
    if (state.pending && which(state)) {
      state.pending = false;
      ++completed;
    }
  }
  return completed;
}

std::size_t HostBackend::complete_stream(Stream s) {
  return complete_where([s](const EventState& e) { return e.stream == s; });
}

std::size_t HostBackend::complete_all() {
  return complete_where([](const EventState&) { return true; });
}

void HostBackend::synchronize(Stream s) {
  complete_stream(s);
}

void HostBackend::submit(Stream s, Work work) {
  {
    std::lock_guard lock(mu_);
    const auto it = captures_.find(s.id);
    if (it != captures_.end()) {
      it->second.push_back(std::move(work));
      return;
    }
  }
  work();
}

void HostBackend::copy(void* dst, const void* src, std::size_t bytes, CopyKind, Stream s) {
  submit(s, [dst, src, bytes] { std::memcpy(dst, src, bytes); });
}

void HostBackend::fill(void* dst, std::uint8_t value, std::size_t bytes, Stream s) {
  submit(s, [dst, value, bytes] { std::memset(dst, value, bytes); });
}

void HostBackend::convert(Conversion c, const void* src, void* dst, std::size_t count, Stream s) {
  submit(s, [c, src, dst, count] { gpu::convert(c, src, dst, count); });
}

void HostBackend::begin_capture(Stream s) {
  if (s == Stream{}) throw std::invalid_argument("host backend: cannot capture the default stream");
  std::lock_guard lock(mu_);
  if (!captures_.emplace(s.id, std::vector<Work>{}).second) {
    throw std::logic_error(fmt::format("host backend: stream {} is already capturing", s.id));
  }
}

Graph HostBackend::end_capture(Stream s) {
  std::lock_guard lock(mu_);
  const auto it = captures_.find(s.id);
  if (it == captures_.end()) {
    throw std::logic_error(fmt::format("host backend: stream {} is not capturing", s.id));
  }
  const Graph g{next_id_.fetch_add(1)};
  graphs_.emplace(g.id, std::move(it->second));
  captures_.erase(it);
  return g;
}

void HostBackend::launch(Graph g, Stream s) {
  std::vector<Work> work;
  {
    std::lock_guard lock(mu_);
    const auto it = graphs_.find(g.id);
    if (it == graphs_.end())
      throw std::invalid_argument("host backend: launch of an unknown graph");
    work = it->second;
  }
  for (Work& w : work)
    submit(s, std::move(w));
}

void HostBackend::destroy_graph(Graph g) {
  std::lock_guard lock(mu_);
  graphs_.erase(g.id);
}

}  // namespace opusperf::gpu
