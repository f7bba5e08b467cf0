#include "opusperf/memory/buffer_pool.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <string>
#include <utility>

namespace opusperf {
namespace detail {

// One thread's idle buffers of one pool: `slots_per_class` atomic slots a class, class-major. The
// owning thread takes and puts with exchange/compare-exchange; release_idle() empties slots with
// exchange from any thread, so no lock is needed on either side.
struct ThreadCache {
  ThreadCache(std::size_t classes, std::size_t slots_per_class)
      : slots_per_class(slots_per_class),
        slots(new std::atomic<void*>[classes * slots_per_class]()) {}
  std::atomic<void*>* begin(std::size_t c) const { return slots.get() + c * slots_per_class; }

  const std::size_t slots_per_class;
  const std::unique_ptr<std::atomic<void*>[]> slots;
  // True while a live thread uses this cache; an exiting thread clears it so the next thread that
  // needs a cache adopts this one (and its buffers) instead of making another.
  std::atomic<bool> owned{true};
};

// Every cache a pool made. Shared between the pool and the thread directories that point into it,
// so an exiting thread can mark its cache unowned even while the pool is being destroyed.
struct ThreadCacheList {
  std::mutex mu;
  std::vector<std::unique_ptr<ThreadCache>> caches;  // guarded by mu; never shrinks
};

}  // namespace detail

namespace {

std::atomic<std::uint64_t> g_next_pool_id{1};

// A thread's map from pool id to its cache in that pool. Ids are never reused, so an entry of a
// destroyed pool is never matched again; it is only touched through its weak_ptr.
struct ThreadDirectory {
  struct Entry {
    std::uint64_t pool_id;
    detail::ThreadCache* cache;
    std::weak_ptr<detail::ThreadCacheList> list;
  };
  std::vector<Entry> entries;

  ~ThreadDirectory() {
    for (Entry& e : entries) {
      if (auto list = e.list.lock()) e.cache->owned.store(false, std::memory_order_release);
    }
  }
};

thread_local ThreadDirectory t_directory;

bool is_power_of_two(std::size_t v) {
  return v != 0 && std::has_single_bit(v);
}

}  // namespace

double BufferPoolStats::hit_rate() const {
  const std::uint64_t pooled = hits + misses;
  return pooled == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(pooled);
}

Buffer& Buffer::operator=(Buffer&& other) noexcept {
  if (this != &other) {
    reset();
    pool_ = std::exchange(other.pool_, nullptr);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void Buffer::reset() noexcept {
  if (data_ == nullptr) return;
  pool_->give_back(data_, size_, pool_->options_.alignment);
  pool_ = nullptr;
  data_ = nullptr;
  size_ = capacity_ = 0;
}

BufferPool::BufferPool(BufferPoolOptions options, std::pmr::memory_resource* upstream)
    : options_(std::move(options)),
      upstream_(upstream),
      id_(g_next_pool_id.fetch_add(1, std::memory_order_relaxed)),
      caches_(std::make_shared<detail::ThreadCacheList>()) {
  if (upstream_ == nullptr) throw std::invalid_argument("BufferPool: null upstream");
  const std::size_t align = options_.alignment;
  if (!is_power_of_two(align) || align < 64 || align > MmapMemoryResource::page_size()) {
    throw std::invalid_argument("BufferPool: alignment must be a power of two from 64 to " +
                                std::to_string(MmapMemoryResource::page_size()) + ", got " +
                                std::to_string(align));
  }
  if (options_.size_classes.empty() || options_.size_classes.size() > 64) {
    throw std::invalid_argument("BufferPool: size_classes must hold 1 to 64 sizes, got " +
                                std::to_string(options_.size_classes.size()));
  }
  if (options_.thread_cache_slots > kMaxThreadCacheSlots) {
    throw std::invalid_argument("BufferPool: thread_cache_slots must be 0 to 8, got " +
                                std::to_string(options_.thread_cache_slots));
  }
  for (std::size_t size : options_.size_classes) {
    if (size == 0) throw std::invalid_argument("BufferPool: a size class of 0 bytes");
    classes_.push_back((size + align - 1) / align * align);
  }
  std::sort(classes_.begin(), classes_.end());
  classes_.erase(std::unique(classes_.begin(), classes_.end()), classes_.end());
  free_lists_ = std::make_unique<FreeList[]>(classes_.size());
}

BufferPool::~BufferPool() {
  release_idle(0);
}

std::size_t BufferPool::class_of(std::size_t bytes, std::size_t alignment) const {
  if (alignment > options_.alignment) return kUnpooled;
  const auto it = std::lower_bound(classes_.begin(), classes_.end(), bytes);
  if (it == classes_.end() || *it / 2 > bytes) return kUnpooled;
  return static_cast<std::size_t>(it - classes_.begin());
}

std::size_t BufferPool::class_capacity(std::size_t bytes) const {
  const std::size_t c = class_of(bytes, options_.alignment);
  return c == kUnpooled ? 0 : classes_[c];
}

detail::ThreadCache& BufferPool::local_cache() {
  for (const ThreadDirectory::Entry& e : t_directory.entries) {
    if (e.pool_id == id_) return *e.cache;
  }
  return adopt_cache();
}

detail::ThreadCache& BufferPool::adopt_cache() {
  auto& entries = t_directory.entries;
  // Forget caches of pools that no longer exist.
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [](const ThreadDirectory::Entry& e) { return e.list.expired(); }),
                entries.end());
  detail::ThreadCache* cache = nullptr;
  {
    std::lock_guard lock(caches_->mu);
    for (const auto& c : caches_->caches) {
      bool unowned = false;
      if (c->owned.compare_exchange_strong(unowned, true, std::memory_order_acq_rel)) {
        cache = c.get();
        break;
      }
    }
    if (cache == nullptr) {
      cache = caches_->caches
                  .emplace_back(std::make_unique<detail::ThreadCache>(classes_.size(),
                                                                      options_.thread_cache_slots))
                  .get();
    }
  }
  entries.push_back({id_, cache, caches_});
  return *cache;
}

void* BufferPool::take_idle(std::size_t c) {
  if (options_.thread_cache_slots > 0) {
    detail::ThreadCache& tc = local_cache();
    std::atomic<void*>* slot = tc.begin(c);
    for (std::size_t s = 0; s < tc.slots_per_class; ++s, ++slot) {
      if (slot->load(std::memory_order_relaxed) == nullptr) continue;
      if (void* p = slot->exchange(nullptr, std::memory_order_acquire)) {
        thread_cache_hits_.fetch_add(1, std::memory_order_relaxed);
        return p;
      }
    }
  }
  {
    FreeList& list = free_lists_[c];
    std::lock_guard lock(list.mu);
    if (!list.items.empty()) {
      void* p = list.items.back();
      list.items.pop_back();
      return p;
    }
  }
  return steal_from_thread_caches(c);
}

void* BufferPool::steal_from_thread_caches(std::size_t c) {
  if (options_.thread_cache_slots == 0) return nullptr;
  std::lock_guard lock(caches_->mu);
  for (const auto& tc : caches_->caches) {
    std::atomic<void*>* slot = tc->begin(c);
    for (std::size_t s = 0; s < tc->slots_per_class; ++s, ++slot) {
      if (slot->load(std::memory_order_relaxed) == nullptr) continue;
      if (void* p = slot->exchange(nullptr, std::memory_order_acquire)) return p;
    }
  }
  return nullptr;
}

void BufferPool::put_idle(std::size_t c, void* p) {
  const std::size_t charge = classes_[c];
  if (bytes_idle_.fetch_add(charge, std::memory_order_relaxed) + charge > options_.max_idle_bytes) {
    bytes_idle_.fetch_sub(charge, std::memory_order_relaxed);
    released_over_cap_.fetch_add(1, std::memory_order_relaxed);
    upstream_deallocations_.fetch_add(1, std::memory_order_relaxed);
    upstream_->deallocate(p, charge, options_.alignment);
    return;
  }
  if (options_.thread_cache_slots > 0) {
    detail::ThreadCache& tc = local_cache();
    std::atomic<void*>* slot = tc.begin(c);
    for (std::size_t s = 0; s < tc.slots_per_class; ++s, ++slot) {
      void* empty = nullptr;
      if (slot->load(std::memory_order_relaxed) == nullptr &&
          slot->compare_exchange_strong(empty, p, std::memory_order_release,
                                        std::memory_order_relaxed)) {
        return;
      }
    }
  }
  FreeList& list = free_lists_[c];
  std::lock_guard lock(list.mu);
  list.items.push_back(p);
}

Buffer BufferPool::acquire(std::size_t bytes) {
  if (bytes == 0) throw std::invalid_argument("BufferPool::acquire: 0 bytes");
  void* p = allocate(bytes, options_.alignment);
  const std::size_t c = class_of(bytes, options_.alignment);
  return Buffer(this, p, bytes, c == kUnpooled ? bytes : classes_[c]);
}

void* BufferPool::do_allocate(std::size_t bytes, std::size_t alignment) {
  const std::size_t c = class_of(bytes, alignment);
  if (c == kUnpooled) {
    void* p = upstream_->allocate(bytes, std::max(alignment, options_.alignment));
    unpooled_.fetch_add(1, std::memory_order_relaxed);
    bytes_in_use_.fetch_add(bytes, std::memory_order_relaxed);
    return p;
  }
  const std::size_t charge = classes_[c];
  void* p = take_idle(c);
  if (p != nullptr) {
    bytes_idle_.fetch_sub(charge, std::memory_order_relaxed);
    hits_.fetch_add(1, std::memory_order_relaxed);
  } else {
    p = upstream_->allocate(charge, options_.alignment);
    misses_.fetch_add(1, std::memory_order_relaxed);
  }
  bytes_in_use_.fetch_add(charge, std::memory_order_relaxed);
  return p;
}

void BufferPool::give_back(void* p, std::size_t bytes, std::size_t alignment) {
  const std::size_t c = class_of(bytes, alignment);
  if (c == kUnpooled) {
    bytes_in_use_.fetch_sub(bytes, std::memory_order_relaxed);
    upstream_deallocations_.fetch_add(1, std::memory_order_relaxed);
    upstream_->deallocate(p, bytes, std::max(alignment, options_.alignment));
    return;
  }
  bytes_in_use_.fetch_sub(classes_[c], std::memory_order_relaxed);
  put_idle(c, p);
}

void BufferPool::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
  give_back(p, bytes, alignment);
}

bool BufferPool::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
  return this == &other;
}

std::size_t BufferPool::release_idle(std::size_t keep_bytes) {
  struct Victim {
    void* p;
    std::size_t charge;
  };
  std::vector<Victim> victims;
  const auto over = [&] { return bytes_idle_.load(std::memory_order_relaxed) > keep_bytes; };
  const auto claim = [&](void* p, std::size_t c) {
    bytes_idle_.fetch_sub(classes_[c], std::memory_order_relaxed);
    victims.push_back({p, classes_[c]});
  };
  // Shared lists first (no thread is about to reuse them), largest classes first.
  for (std::size_t c = classes_.size(); c-- > 0 && over();) {
    FreeList& list = free_lists_[c];
    std::lock_guard lock(list.mu);
    while (!list.items.empty() && over()) {
      claim(list.items.back(), c);
      list.items.pop_back();
    }
  }
  if (over() && options_.thread_cache_slots > 0) {
    std::lock_guard lock(caches_->mu);
    for (std::size_t c = classes_.size(); c-- > 0 && over();) {
      for (const auto& tc : caches_->caches) {
        std::atomic<void*>* slot = tc->begin(c);
        for (std::size_t s = 0; s < tc->slots_per_class && over(); ++s, ++slot) {
          if (void* p = slot->exchange(nullptr, std::memory_order_acquire)) claim(p, c);
        }
      }
    }
  }
  std::size_t freed = 0;
  for (const Victim& v : victims) {
    upstream_->deallocate(v.p, v.charge, options_.alignment);
    freed += v.charge;
  }
  upstream_deallocations_.fetch_add(victims.size(), std::memory_order_relaxed);
  bytes_trimmed_.fetch_add(freed, std::memory_order_relaxed);
  return freed;
}

BufferPoolStats BufferPool::stats() const {
  BufferPoolStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.thread_cache_hits = thread_cache_hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.unpooled = unpooled_.load(std::memory_order_relaxed);
  s.upstream_allocations = s.misses + s.unpooled;
  s.upstream_deallocations = upstream_deallocations_.load(std::memory_order_relaxed);
  s.released_over_cap = released_over_cap_.load(std::memory_order_relaxed);
  s.bytes_in_use = bytes_in_use_.load(std::memory_order_relaxed);
  s.bytes_idle = bytes_idle_.load(std::memory_order_relaxed);
  s.bytes_trimmed = bytes_trimmed_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace opusperf
