// BufferPool: a size-classed pool of large, aligned buffers (raw video frames), over an upstream
// memory resource, handing out RAII handles.
//
//   BufferPool pool;                                        // frame classes, mmap upstream
//   Buffer frame = pool.acquire(frame_bytes(1920, 1080, PixelFormat::kRgb24));
//   decode_into(frame.data(), frame.size());
//   frame.reset();                                          // or let it go out of scope
//   pool.release_idle(0);                                   // under memory pressure
//
// A request takes the smallest size class that holds it, provided the class is at most twice the
// request (so a 100-byte request does not pin a 6 MB buffer); other requests are "unpooled" and go
// straight to the upstream resource. A released buffer is kept idle for reuse, first in the
// releasing thread's cache (a few lock-free slots a class), then in the class's shared free list;
// when keeping it would take the idle bytes over max_idle_bytes it goes back upstream instead.
// Before going upstream on a miss, the pool takes an idle buffer from another thread's cache.
// release_idle() hands idle buffers back upstream (thread caches included), so the pool is a
// trimmer for the MemoryOptimizer. It is also a std::pmr::memory_resource, so it stacks with the
// other resources here (StatisticsResourceAdaptor over or under it) and serves pmr containers.
//
// Charge: a buffer costs its class capacity (the class size rounded up to the alignment), both in
// use and idle.
//
// Thread-safety: every method may be called from many threads; a Buffer may be released on a
// different thread than acquired it. A thread's cache outlives the thread: when a thread exits,
// its cache (and the buffers in it) passes to the next thread that uses the pool.
//
// Cost: a hit in the thread cache is a few atomic operations (tens of ns, `opusperf bench
// memory` reports pool_hit_ns); a hit in the shared list adds an uncontended mutex; a miss costs
// the upstream allocation (for MmapMemoryResource an mmap plus a page fault a page on first touch).
//
// REQUIRES: the pool outlives every Buffer it handed out, and the upstream outlives the pool.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <mutex>
#include <span>
#include <vector>

#include "opusperf/memory/frame_size_classes.h"
#include "opusperf/memory/mmap_memory_resource.h"

namespace opusperf {

struct BufferPoolOptions {
  // Buffer sizes kept, in bytes; 1 .. 64 classes, each > 0. The pool sorts them, rounds each up to
  // a multiple of `alignment` and drops duplicates. Default: NV12 and RGB24 frames at 720p, 1080p
  // and 4K (frame_size_classes.h).
  std::vector<std::size_t> size_classes = default_frame_size_classes();
  // Alignment of every buffer: a power of two from 64 (a cache line) to the page size. Default: a
  // page (4096), which codecs and DMA engines want for frame planes.
  std::size_t alignment = 4096;
  // Most bytes kept idle across the shared lists and every thread cache; a release that would go
  // over it returns the buffer upstream. 0 keeps nothing. Default 256 MiB: about ten 4K RGB frames
  // or forty 1080p RGB frames.
  std::size_t max_idle_bytes = std::size_t{256} << 20;
  // Idle buffers of each class that one thread keeps for itself, reused without a lock; 0 .. 8.
  // Default 2: enough for a decode-then-process hand-off on one thread.
  std::size_t thread_cache_slots = 2;
};

struct BufferPoolStats {
  std::uint64_t hits = 0;                    // pooled acquisitions served from idle buffers
  std::uint64_t thread_cache_hits = 0;       // ... of which from the calling thread's cache
  std::uint64_t misses = 0;                  // pooled acquisitions that went upstream
  std::uint64_t unpooled = 0;                // requests no class fits, served upstream directly
  std::uint64_t upstream_allocations = 0;    // misses + unpooled
  std::uint64_t upstream_deallocations = 0;  // over-cap releases, unpooled releases, trims
  std::uint64_t released_over_cap = 0;       // releases sent upstream because of max_idle_bytes
  std::uint64_t bytes_in_use = 0;            // charge of live buffers (pooled and unpooled)
  std::uint64_t bytes_idle = 0;              // charge of idle buffers
  std::uint64_t bytes_trimmed = 0;           // handed back upstream by release_idle, in total

  // Returns hits / (hits + misses), or 0 before any pooled acquisition.
  double hit_rate() const;
};

class BufferPool;

// Move-only RAII handle to one buffer; destruction (or reset()) gives it back to its pool.
class Buffer {
 public:
  Buffer() = default;
  Buffer(Buffer&& other) noexcept { *this = std::move(other); }
  Buffer& operator=(Buffer&& other) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { reset(); }

  // Returns the buffer's first byte (aligned to the pool's alignment); nullptr when empty.
  std::byte* data() const { return static_cast<std::byte*>(data_); }
  // Returns the bytes requested.
  std::size_t size() const { return size_; }
  // Returns the bytes usable (the class capacity; >= size()).
  std::size_t capacity() const { return capacity_; }
  std::span<std::byte> bytes() const { return {data(), size_}; }
  explicit operator bool() const { return data_ != nullptr; }
  // Gives the buffer back to its pool now; the handle becomes empty. No-op when empty.
  void reset() noexcept;

 private:
  friend class BufferPool;
  Buffer(BufferPool* pool, void* data, std::size_t size, std::size_t capacity)
      : pool_(pool), data_(data), size_(size), capacity_(capacity) {}

  BufferPool* pool_ = nullptr;
  void* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

namespace detail {
struct ThreadCache;
struct ThreadCacheList;
}  // namespace detail

class BufferPool final : public std::pmr::memory_resource {
 public:
  // REQUIRES: options as documented on BufferPoolOptions (throws std::invalid_argument otherwise);
  // upstream != nullptr and outlives the pool.
  explicit BufferPool(BufferPoolOptions options = {},
                      std::pmr::memory_resource* upstream = &MmapMemoryResource::instance());
  // Hands every idle buffer back upstream. REQUIRES: no Buffer of this pool is alive.
  ~BufferPool() override;
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // Returns a buffer of at least `bytes` (REQUIRES: bytes > 0), reusing an idle one of its class
  // when there is one. Throws std::bad_alloc when the upstream does.
  Buffer acquire(std::size_t bytes);

  // Hands idle buffers back upstream, largest classes first, until at most `keep_bytes` stay idle.
  // Returns the bytes handed back (by the pool's own accounting).
  std::size_t release_idle(std::size_t keep_bytes = 0);

  // Returns the counters now; each is exact, the set is not one atomic cut.
  BufferPoolStats stats() const;
  const BufferPoolOptions& options() const { return options_; }
  // Returns the capacity a request of `bytes` gets from a size class, or 0 when it is unpooled.
  std::size_t class_capacity(std::size_t bytes) const;
  std::pmr::memory_resource* upstream() const { return upstream_; }

 private:
  friend class Buffer;
  static constexpr std::size_t kUnpooled = static_cast<std::size_t>(-1);
  static constexpr std::size_t kMaxThreadCacheSlots = 8;

  struct FreeList {
    std::mutex mu;
    std::vector<void*> items;  // guarded by mu
  };

  // Returns the index of the class serving `bytes` at `alignment`, or kUnpooled.
  std::size_t class_of(std::size_t bytes, std::size_t alignment) const;
  // Returns an idle buffer of class c, or nullptr: from this thread's cache, else the shared
  // list, else another thread's cache.
  void* take_idle(std::size_t c);
  // Returns an idle buffer of class c from any thread's cache, or nullptr. Only on the way to a
  // miss, which costs an upstream allocation anyway: a pipeline whose consumer thread releases
  // what its producer thread acquires then still reuses every buffer.
  void* steal_from_thread_caches(std::size_t c);
  // Keeps p (of class c) idle, or hands it upstream when over the idle cap.
  void put_idle(std::size_t c, void* p);
  // Returns the calling thread's cache of this pool, adopting or creating one on first use.
  detail::ThreadCache& local_cache();
  detail::ThreadCache& adopt_cache();
  void give_back(void* p, std::size_t bytes, std::size_t alignment);

  void* do_allocate(std::size_t bytes, std::size_t alignment) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  const BufferPoolOptions options_;
  std::pmr::memory_resource* const upstream_;
  const std::uint64_t id_;            // unique per pool ever made; keys the thread directories
  std::vector<std::size_t> classes_;  // capacities, ascending
  std::unique_ptr<FreeList[]> free_lists_;
  std::shared_ptr<detail::ThreadCacheList> caches_;  // shared with exiting threads

  std::atomic<std::uint64_t> hits_{0};
  std::atomic<std::uint64_t> thread_cache_hits_{0};
  std::atomic<std::uint64_t> misses_{0};
  std::atomic<std::uint64_t> unpooled_{0};
  std::atomic<std::uint64_t> upstream_deallocations_{0};
  std::atomic<std::uint64_t> released_over_cap_{0};
  std::atomic<std::uint64_t> bytes_in_use_{0};
  std::atomic<std::uint64_t> bytes_idle_{0};
  std::atomic<std::uint64_t> bytes_trimmed_{0};
};

}  // namespace opusperf
