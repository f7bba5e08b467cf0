// MmapMemoryResource: an upstream memory resource that takes every allocation straight from the
// kernel as an anonymous private mapping (mmap) and gives it back with munmap.
//
//   MmapMemoryResource& os = MmapMemoryResource::instance();
//   BufferPool pool(BufferPoolOptions{}, &os);        // the pool's default upstream
//
// Why not malloc: glibc keeps freed large blocks in its heap once its dynamic mmap threshold has
// risen, so memory a pool "releases" under pressure stays resident until malloc_trim. A mapping
// is returned to the OS the moment it is unmapped, so a trim shows in RSS at once. Pages are
// faulted in (zeroed by the kernel) on first touch, which is the cost a pool amortises.
//
// Alignment: mappings are page-aligned; any alignment up to the page size is honoured (larger
// ones are rejected with std::bad_alloc). Sizes are rounded up to whole pages.
//
// Thread-safety: stateless; every method may be called from many threads.
// Cost: one mmap (a few µs) per allocation, one munmap per deallocation, plus a page fault per page
// on first touch.
#pragma once

#include <cstddef>
#include <memory_resource>

namespace opusperf {

class MmapMemoryResource final : public std::pmr::memory_resource {
 public:
  MmapMemoryResource() = default;
  MmapMemoryResource(const MmapMemoryResource&) = delete;
  MmapMemoryResource& operator=(const MmapMemoryResource&) = delete;

  // A process-wide instance (the resource has no state; one is enough).
  static MmapMemoryResource& instance();
  // Returns the system page size in bytes.
  static std::size_t page_size();

 private:
  // Returns a fresh page-aligned mapping of at least `bytes`. Throws std::bad_alloc when the
  // kernel refuses or `alignment` exceeds the page size.
  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  // REQUIRES: p came from allocate(bytes, ...) of a MmapMemoryResource and is not yet freed.
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  // Any two MmapMemoryResources are interchangeable.
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;
};

}  // namespace opusperf
