#include "opusperf/memory/mmap_memory_resource.h"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace opusperf {
namespace {

std::size_t round_up_to_pages(std::size_t bytes) {
  const std::size_t page = MmapMemoryResource::page_size();
  return (bytes + page - 1) / page * page;
}

}  // namespace

MmapMemoryResource& MmapMemoryResource::instance() {
  static MmapMemoryResource resource;
  return resource;
}

std::size_t MmapMemoryResource::page_size() {
  static const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return page;
}

void* MmapMemoryResource::do_allocate(std::size_t bytes, std::size_t alignment) {
  if (alignment > page_size()) throw std::bad_alloc();
  void* p = ::mmap(nullptr, round_up_to_pages(bytes == 0 ? 1 : bytes), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void MmapMemoryResource::do_deallocate(void* p, std::size_t bytes, std::size_t /*alignment*/) {
  ::munmap(p, round_up_to_pages(bytes == 0 ? 1 : bytes));
}

bool MmapMemoryResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return dynamic_cast<const MmapMemoryResource*>(&other) != nullptr;
}

}  // namespace opusperf
