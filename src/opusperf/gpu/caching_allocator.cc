#include "opusperf/gpu/caching_allocator.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "opusperf/gpu/allocator_block.h"
#include "opusperf/gpu/allocator_counters.h"
#include "opusperf/gpu/allocator_mutex.h"
#include "opusperf/gpu/free_block_index.h"
#include "opusperf/gpu/pointer_map.h"

namespace opusperf::gpu {

using detail::Block;
using detail::CounterSet;
using detail::FreeBlockIndex;
using detail::InactiveSplitChange;
using detail::Segment;

namespace {

constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();
// Requests beyond this cannot be rounded without overflow; they can never fit anyway.
constexpr std::size_t kLargestRequest = std::size_t{1} << 62;

std::size_t round_up(std::size_t n, std::size_t unit) {
  return (n + unit - 1) / unit * unit;
}

void validate(const CachingAllocatorOptions& o) {
  if (!(o.memory_fraction > 0 && o.memory_fraction <= 1)) {
    throw std::invalid_argument(
        fmt::format("memory_fraction must be in (0, 1], got {}", o.memory_fraction));
  }
  if (o.max_split_size < kLargeBuffer) {
    throw std::invalid_argument(fmt::format("max_split_size must be at least {} bytes, got {}",
                                            kLargeBuffer, o.max_split_size));
  }
  if (!(o.garbage_collection_threshold >= 0 && o.garbage_collection_threshold < 1)) {
    throw std::invalid_argument(
        fmt::format("garbage_collection_threshold must be 0 (off) or in (0, 1), got {}",
                    o.garbage_collection_threshold));
  }
}

}  // namespace

std::size_t round_allocation_size(std::size_t bytes) {
  return bytes < kMinBlockSize ? kMinBlockSize : round_up(bytes, kMinBlockSize);
}

std::size_t segment_size_for(std::size_t rounded) {
  if (rounded <= kSmallSize) return kSmallBuffer;
  if (rounded < kMinLargeAlloc) return kLargeBuffer;
  return round_up(rounded, kRoundLarge);
}

class CachingAllocator::Impl {
 public:
  Impl(DeviceBackend& backend, CachingAllocatorOptions options)
      : backend_(backend),
        options_(options),
        expandable_(options.expandable_segments && backend.supports_virtual_memory()),
        device_total_(backend.memory_info().total_bytes),
        cap_(static_cast<std::uint64_t>(
            std::floor(options.memory_fraction * static_cast<double>(device_total_)))) {
    stats_.max_split_size = options.max_split_size == kUnlimited
                                ? -1
                                : static_cast<std::int64_t>(options.max_split_size);
  }

  ~Impl() {
    std::lock_guard lock(mu_);
    if (!allocated_.empty()) {
      spdlog::warn(
          "gpu allocator: destroyed with {} blocks ({}) still allocated", allocated_.size(),
          format_bytes(static_cast<std::uint64_t>(stats_.current(&CounterSet::allocated_bytes))));
    }
    for (const auto& [event, block] : pending_)
      backend_.destroy_event(event);
    for (Event e : free_events_)
      backend_.destroy_event(e);
    for (auto& seg : segments_) {
      if (seg->expandable) {
        // Mapped memory comes in whole pages, so each run of mapped blocks is page-aligned.
        for (Block* b = seg->head; b != nullptr;) {
          if (!b->mapped) {
            b = b->next;
            continue;
          }
          char* const start = b->ptr;
          while (b != nullptr && b->mapped)
            b = b->next;
          unmap_pages(
              *seg, start,
              static_cast<std::size_t>((b != nullptr ? b->ptr : seg->base + seg->size) - start));
        }
        backend_.release_address(seg->base, seg->size);
      } else {
        backend_.deallocate(seg->base, seg->size);
      }
    }
  }

  void* allocate(std::size_t bytes, Stream stream) {
    if (bytes == 0) return nullptr;
    std::lock_guard lock(mu_);
    process_events();
    Request r{stream, stream_number_of(stream), 0, bytes, false, 0};
    if (bytes <= kLargestRequest) {
      r.size = round_allocation_size(bytes);
      r.small = r.size <= kSmallSize;
    } else {
      r.size = kLargestRequest;
    }
    InactiveSplitChange change;
    Block* block = take_free_block(r, change);
    if (block == nullptr) {
      r.segment_size = r.size == kLargestRequest ? kLargestRequest : segment_size_for(r.size);
      device_refused_ = false;
      if (options_.garbage_collection_threshold > 0) collect_garbage(r);
      block = new_memory(r);
      if (block == nullptr && release_oversize_blocks(r)) block = new_memory(r);
      if (block == nullptr) {
        ++stats_.num_alloc_retries;
        release_cached_memory();
        block = new_memory(r);
      }
      if (block == nullptr) {
        ++stats_.num_ooms;
        throw OutOfMemoryError(oom_details(r));
      }
    }
    return hand_out(block, r, change);
  }

  void deallocate(void* p) {
    if (p == nullptr) return;
    std::lock_guard lock(mu_);
    Block* b = nullptr;
    if (!allocated_.take(p, b)) {
      throw std::invalid_argument(
          fmt::format("gpu allocator: deallocate({}) of a pointer it does not hold", p));
    }
    stats_.give_back(b->small, static_cast<std::int64_t>(b->size),
                     static_cast<std::int64_t>(b->requested));
    if (b->size >= options_.max_split_size) stats_.oversize_allocations.decrease(1);
    b->allocated = false;
    if (!b->stream_uses) {
      free_block(b);
      return;
    }
    // Other streams may still read or write the block: it stays active until each of them
    // passes an event recorded now.
    const auto uses = stream_uses_.find(b);
    for (Stream s : uses->second) {
      const Event e = take_event();
      backend_.record_event(e, s);
      pending_.emplace_back(e, b);
      ++b->pending_events;
    }
    stream_uses_.erase(uses);
    b->stream_uses = false;
    stats_.start_waiting(b->small, static_cast<std::int64_t>(b->size));
  }

  void record_stream(void* p, Stream stream) {
    std::lock_guard lock(mu_);
    Block* const* found = allocated_.find(p);
    if (found == nullptr) {
      throw std::invalid_argument(
          fmt::format("gpu allocator: record_stream({}) of a pointer it does not hold", p));
    }
    Block* b = *found;
    if (stream == b->stream()) return;  // work on its own stream is ordered already
    std::vector<Stream>& uses = stream_uses_[b];
    if (std::find(uses.begin(), uses.end(), stream) == uses.end()) uses.push_back(stream);
    b->stream_uses = true;
  }

  std::uint64_t empty_cache() {
    std::lock_guard lock(mu_);
    process_events();
    return release_cached_memory();
  }

  AllocatorStats stats() const {
    std::lock_guard lock(mu_);
    return stats_.snapshot();
  }

  void reset_peak_stats() {
    std::lock_guard lock(mu_);
    stats_.reset_peaks();
  }

  std::vector<SegmentInfo> segments() const {
    std::lock_guard lock(mu_);
    std::vector<SegmentInfo> out;
    out.reserve(segments_.size());
    for (const auto& seg : segments_) {
      SegmentInfo info;
      info.address = reinterpret_cast<std::uintptr_t>(seg->base);
      info.reserved_bytes = seg->expandable ? seg->mapped_bytes : seg->size;
      info.stream = seg->stream;
      info.small_pool = seg->small;
      info.expandable = seg->expandable;
      for (const Block* b = seg->head; b != nullptr; b = b->next) {
        const bool in_use = b->allocated || b->pending_events > 0;
        info.blocks.push_back(
            BlockInfo{reinterpret_cast<std::uintptr_t>(b->ptr), b->size, in_use, b->mapped});
        if (b->allocated) info.allocated_bytes += b->size;
      }
      out.push_back(std::move(info));
    }
    return out;
  }

  std::uint64_t cap_bytes() const { return cap_; }
  const CachingAllocatorOptions& options() const { return options_; }
  bool expandable() const { return expandable_; }
  DeviceBackend& backend() const { return backend_; }

 private:
  struct Request {
    Stream stream;
    std::uint16_t stream_number = 0;  // stream_number_of(stream)
    std::size_t size = 0;             // rounded
    std::size_t requested = 0;        // as asked
    bool small = false;
    std::size_t segment_size = 0;  // of a new plain segment (set on a cache miss)
  };

  // ---- streams ----

  // Returns the dense number of `stream` (0 is the default stream), numbering it on first use.
  std::uint16_t stream_number_of(Stream stream) {
    if (stream == last_stream_) return last_stream_number_;
    return number_stream(stream);
  }
  [[gnu::noinline]] std::uint16_t number_stream(Stream stream) {
    auto it = std::find(streams_.begin(), streams_.end(), stream);
    if (it == streams_.end()) {
      if (streams_.size() > std::numeric_limits<std::uint16_t>::max()) {
        throw std::invalid_argument(
            fmt::format("gpu allocator: more than {} streams in use",
                        std::size_t{std::numeric_limits<std::uint16_t>::max()} + 1));
      }
      it = streams_.insert(streams_.end(), stream);
    }
    last_stream_ = stream;
    last_stream_number_ = static_cast<std::uint16_t>(it - streams_.begin());
    return last_stream_number_;
  }

  // ---- statistics ----

  std::uint64_t reserved() const {
    return static_cast<std::uint64_t>(stats_.current(&CounterSet::reserved_bytes));
  }

  // ---- pools ----

  FreeBlockIndex& pool(bool small) { return small ? small_pool_ : large_pool_; }

  // Every change of a free block's neighbours goes through remove/insert, so a block counts as
  // inactive_split exactly while it is pooled with a neighbour. The hot paths (take_free_block,
  // hand_out, free_block) pool and unpool blocks without statistics and note each step's
  // inactive_split changes in an InactiveSplitChange themselves, from what they know (a piece
  // split off a block, or a free neighbour, is split), and apply them once (allocator_counters.h
  // says why that is exact); insert_into_pool and remove_from_pool apply at once, for the rare
  // paths.
  [[gnu::always_inline]] void pool_block(Block* b) {
    pool(b->small).insert(b);
    b->pooled = true;
  }
  [[gnu::always_inline]] void unpool_block(Block* b) {
    pool(b->small).erase(b);
    b->pooled = false;
  }
  void insert_into_pool(Block* b) {
    pool_block(b);
    InactiveSplitChange change;
    change.add(b);
    stats_.apply(change, b->small);
  }
  void remove_from_pool(Block* b) {
    unpool_block(b);
    InactiveSplitChange change;
    change.remove(b);
    stats_.apply(change, b->small);
  }

  // Returns the best-fitting pooled block for r (removed from its pool, noted in `change`), or
  // nullptr.
  Block* take_free_block(const Request& r, InactiveSplitChange& change) {
    Block* b = pool(r.small).best_fit(r.stream_number, r.size);
    if (b == nullptr) return nullptr;
    const std::size_t max_split = options_.max_split_size;
    // Keep oversize blocks for oversize requests, and do not waste a large one on a much smaller.
    if (r.size < max_split && b->size >= max_split) return nullptr;
    if (r.size >= max_split && b->size >= r.size + kLargeBuffer) return nullptr;
    unpool_block(b);
    change.remove(b);
    return b;
  }

  bool should_split(const Block* b, std::size_t size) const {
    const std::size_t remaining = b->size - size;
    if (b->small) return remaining >= kMinBlockSize;
    return size < options_.max_split_size && remaining > kSmallSize;
  }

  // Gives a free, unpooled block of at least r.size to the caller, splitting off the rest.
  // `change` holds the pool changes of taking b.
  void* hand_out(Block* b, const Request& r, InactiveSplitChange& change) {
    if (should_split(b, r.size)) {
      Block* rest = arena_.make_beside(b, b->ptr + r.size, b->size - r.size);
      link_after(b, rest);
      b->size = r.size;
      pool_block(rest);
      change.add_split(rest);
    }
    b->allocated = true;
    b->requested = r.requested;
    allocated_.insert(b->ptr, b);
    stats_.apply(change, b->small);
    stats_.hand_out(b->small, static_cast<std::int64_t>(b->size),
                    static_cast<std::int64_t>(r.requested));
    if (b->size >= options_.max_split_size) stats_.oversize_allocations.increase(1);
    return b->ptr;
  }

  // The neighbour updates write to scratch_block_ where a segment ends, instead of branching
  // on it (whether a block is the last of its segment is a coin toss on random workloads).
  Block* or_scratch(Block* b) { return b != nullptr ? b : &scratch_block_; }
  void link_after(Block* b, Block* n) {
    n->prev = b;
    n->next = b->next;
    or_scratch(b->next)->prev = n;
    b->next = n;
  }
  // Makes `into` cover `gone` too and recycles `gone`. REQUIRES: gone == into->next.
  void absorb_next(Block* into, Block* gone) {
    into->size += gone->size;
    into->next = gone->next;
    or_scratch(into->next)->prev = into;
    arena_.recycle(gone);
  }

  // Returns a block that is no longer allocated nor waited on to its pool, merged with its free
  // neighbours.
  void free_block(Block* b) {
    InactiveSplitChange change;
    // A free neighbour is split (b is beside it). (scratch_block_ is never pooled.)
    if (Block* next = or_scratch(b->next); next->pooled) {
      unpool_block(next);
      change.remove_split(next);
      absorb_next(b, next);
    }
    if (Block* prev = or_scratch(b->prev); prev->pooled) {
      unpool_block(prev);
      change.remove_split(prev);
      absorb_next(prev, b);
      b = prev;
    }
    pool_block(b);
    change.add(b);
    stats_.apply(change, b->small);
    // A segment whose block is whole again is idle from now (the clock orders idle segments for
    // garbage collection); without a branch, as above.
    (b->is_split() ? &scratch_segment_ : b->segment)->idle_since = ++idle_clock_;
  }

  // ---- stream events ----

  Event take_event() {
    if (free_events_.empty()) return backend_.create_event();
    const Event e = free_events_.back();
    free_events_.pop_back();
    return e;
  }

  // Frees the blocks whose every pending event has completed.
  void process_events() {
    if (pending_.empty()) return;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      auto [event, block] = pending_[i];
      if (!backend_.event_completed(event)) {
        pending_[kept++] = pending_[i];
        continue;
      }
      free_events_.push_back(event);
      if (--block->pending_events == 0) {
        stats_.stop_waiting(block->small, static_cast<std::int64_t>(block->size));
        free_block(block);
      }
    }
    pending_.resize(kept);
  }

  // ---- memory from the device ----

  Block* new_memory(const Request& r) { return expandable_ ? grow_expandable(r) : new_segment(r); }

  Block* new_segment(const Request& r) {
    const std::size_t size = r.segment_size;
    if (size > cap_ || reserved() > cap_ - size) return nullptr;
    ++stats_.num_device_alloc;
    void* ptr = backend_.allocate(size);
    if (ptr == nullptr) {
      device_refused_ = true;
      return nullptr;
    }
    auto seg = std::make_unique<Segment>();
    seg->base = static_cast<char*>(ptr);
    seg->size = size;
    seg->stream = r.stream;
    seg->stream_number = r.stream_number;
    seg->small = r.small;
    Block* b = arena_.make(seg.get(), seg->base, size);
    seg->head = b;
    segments_.push_back(std::move(seg));
    stats_.increase(&CounterSet::segment, r.small, 1);
    stats_.increase(&CounterSet::reserved_bytes, r.small, static_cast<std::int64_t>(size));
    if (size >= options_.max_split_size) stats_.oversize_segments.increase(1);
    return b;
  }

  // Gives an idle plain segment back to the device. Returns its size.
  std::uint64_t release_segment(Segment* seg) {
    Block* b = seg->head;
    remove_from_pool(b);
    ++stats_.num_device_free;
    backend_.deallocate(seg->base, seg->size);
    stats_.decrease(&CounterSet::segment, seg->small, 1);
    stats_.decrease(&CounterSet::reserved_bytes, seg->small, static_cast<std::int64_t>(seg->size));
    if (seg->size >= options_.max_split_size) stats_.oversize_segments.decrease(1);
    const std::uint64_t size = seg->size;
    arena_.recycle(b);
    erase_segment(seg);
    return size;
  }

  void erase_segment(Segment* seg) {
    const auto it = std::find_if(segments_.begin(), segments_.end(),
                                 [seg](const auto& s) { return s.get() == seg; });
    segments_.erase(it);
  }

  static bool idle(const Segment& seg) { return seg.head->pooled && seg.head->next == nullptr; }

  // Frees cached oversize segments of r's stream: the smallest that covers r, else the largest
  // ones until r.size bytes are free. Returns whether anything was freed.
  bool release_oversize_blocks(const Request& r) {
    const std::size_t max_split = options_.max_split_size;
    if (max_split == kUnlimited) return false;
    std::vector<Block*> candidates;  // oversize idle plain segments of the stream, by size
    for (Block* b : pool(r.small).at_least(r.stream_number, max_split)) {
      if (!b->segment->expandable && !b->is_split()) candidates.push_back(b);
    }
    if (candidates.empty()) return false;
    const std::size_t want = std::max(r.size, max_split);
    const auto fit = std::find_if(candidates.begin(), candidates.end(),
                                  [want](const Block* b) { return b->size >= want; });
    if (fit != candidates.end()) {
      release_segment((*fit)->segment);
      return true;
    }
    std::uint64_t released = 0;
    for (auto it = candidates.rbegin(); it != candidates.rend() && released < r.size; ++it)
      released += release_segment((*it)->segment);
    return true;
  }

  // Frees every idle plain segment and every free page of expandable segments. Returns bytes.
  std::uint64_t release_cached_memory() {
    std::uint64_t released = 0;
    std::vector<Segment*> snapshot;
    for (const auto& seg : segments_)
      snapshot.push_back(seg.get());
    for (Segment* seg : snapshot) {
      if (seg->expandable) {
        released += release_free_pages(seg);
      } else if (idle(*seg)) {
        released += release_segment(seg);
      }
    }
    return released;
  }

  // Frees idle plain segments, the one idle longest first, until a new segment for r fits under
  // threshold x cap; expandable segments give back their free pages.
  void collect_garbage(const Request& r) {
    const auto target = static_cast<std::uint64_t>(options_.garbage_collection_threshold *
                                                   static_cast<double>(cap_));
    const std::uint64_t need = expandable_ ? 0 : r.segment_size;
    if (reserved() + need <= target) return;
    if (expandable_) {
      release_cached_memory();
      return;
    }
    std::vector<Segment*> idle_segments;
    for (const auto& seg : segments_) {
      if (idle(*seg)) idle_segments.push_back(seg.get());
    }
    std::sort(idle_segments.begin(), idle_segments.end(),
              [](const Segment* a, const Segment* b) { return a->idle_since < b->idle_since; });
    for (Segment* seg : idle_segments) {
      if (reserved() + need <= target) break;
      release_segment(seg);
    }
  }

  // ---- expandable segments ----

  Segment* expandable_segment(const Request& r) {
    for (const auto& seg : segments_) {
      if (seg->stream == r.stream && seg->small == r.small) return seg.get();
    }
    const std::size_t page = round_up(r.small ? kSmallBuffer : kLargeBuffer,
                                      std::max<std::size_t>(backend_.map_granularity(), 1));
    const std::size_t va = round_up(std::max<std::uint64_t>(cap_, 1), page);
    void* base = backend_.reserve_address(va);
    if (base == nullptr) {
      device_refused_ = true;
      return nullptr;
    }
    auto seg = std::make_unique<Segment>();
    seg->base = static_cast<char*>(base);
    seg->size = va;
    seg->stream = r.stream;
    seg->stream_number = r.stream_number;
    seg->small = r.small;
    seg->expandable = true;
    seg->page_size = page;
    seg->head = arena_.make(seg.get(), seg->base, va, /*mapped=*/false);
    segments_.push_back(std::move(seg));
    stats_.increase(&CounterSet::segment, r.small, 1);
    return segments_.back().get();
  }

  void unmap_pages(Segment& seg, char* at, std::size_t bytes) {
    for (std::size_t off = 0; off < bytes; off += seg.page_size) {
      ++stats_.num_device_free;
      backend_.unmap(at + off, seg.page_size);
    }
  }

  // Maps pages into the first hole that, with the free block before it, fits r. Returns the
  // resulting free block (merged with its free neighbours, not pooled), or nullptr.
  Block* grow_expandable(const Request& r) {
    Segment* seg = expandable_segment(r);
    if (seg == nullptr) return nullptr;
    for (Block* hole = seg->head; hole != nullptr; hole = hole->next) {
      if (hole->mapped) continue;
      Block* before = hole->prev != nullptr && hole->prev->pooled ? hole->prev : nullptr;
      const std::size_t have = before != nullptr ? before->size : 0;
      // A free block already large enough was refused by the max_split rules; growing it
      // would not change that.
      if (have >= r.size || have + hole->size < r.size) continue;
      const std::size_t bytes = round_up(r.size - have, seg->page_size);
      if (bytes > cap_ || reserved() > cap_ - bytes) return nullptr;
      for (std::size_t off = 0; off < bytes; off += seg->page_size) {
        ++stats_.num_device_alloc;
        bool mapped = false;
        try {
          mapped = backend_.map(hole->ptr + off, seg->page_size);
        } catch (...) {
          unmap_pages(*seg, hole->ptr, off);  // leave no page mapped that no block covers
          throw;
        }
        if (!mapped) {
          unmap_pages(*seg, hole->ptr, off);
          device_refused_ = true;
          return nullptr;
        }
      }
      if (bytes < hole->size) {
        link_after(hole, arena_.make(seg, hole->ptr + bytes, hole->size - bytes, /*mapped=*/false));
        hole->size = bytes;
      }
      hole->mapped = true;
      seg->mapped_bytes += bytes;
      stats_.increase(&CounterSet::reserved_bytes, seg->small, static_cast<std::int64_t>(bytes));
      Block* b = hole;
      if (before != nullptr) {
        remove_from_pool(before);
        absorb_next(before, b);
        b = before;
      }
      if (b->next != nullptr && b->next->pooled) {
        remove_from_pool(b->next);
        absorb_next(b, b->next);
      }
      return b;
    }
    return nullptr;  // the address range is full: only possible at the cap
  }

  // Unmaps every whole page inside free blocks of an expandable segment, and gives the address
  // range back when nothing is mapped any more. Returns the bytes unmapped.
  std::uint64_t release_free_pages(Segment* seg) {
    std::uint64_t released = 0;
    const std::size_t page = seg->page_size;
    for (Block* b = seg->head; b != nullptr;) {
      if (!b->pooled) {
        b = b->next;
        continue;
      }
      char* const end = b->ptr + b->size;
      char* const lo = seg->base + round_up(static_cast<std::size_t>(b->ptr - seg->base), page);
      char* const hi = seg->base + static_cast<std::size_t>(end - seg->base) / page * page;
      if (hi <= lo) {
        b = b->next;
        continue;
      }
      remove_from_pool(b);
      const auto bytes = static_cast<std::size_t>(hi - lo);
      unmap_pages(*seg, lo, bytes);
      seg->mapped_bytes -= bytes;
      stats_.decrease(&CounterSet::reserved_bytes, seg->small, static_cast<std::int64_t>(bytes));
      released += bytes;
      // b becomes [b->ptr, lo) free | [lo, hi) hole | [hi, end) free; empty pieces vanish.
      Block* tail = nullptr;
      if (end > hi) {
        tail = arena_.make(seg, hi, static_cast<std::size_t>(end - hi));
        link_after(b, tail);
      }
      Block* front = nullptr;  // the free piece before the hole, if any
      Block* hole = b;
      if (lo > b->ptr) {
        front = b;
        hole = arena_.make(seg, lo, bytes, /*mapped=*/false);
        link_after(b, hole);
        b->size = static_cast<std::size_t>(lo - b->ptr);
      }
      hole->ptr = lo;
      hole->size = bytes;
      hole->mapped = false;
      if (hole->next != nullptr && !hole->next->mapped) absorb_next(hole, hole->next);
      if (hole->prev != nullptr && !hole->prev->mapped) {
        Block* prev = hole->prev;
        absorb_next(prev, hole);
        hole = prev;
      }
      if (front != nullptr) insert_into_pool(front);
      if (tail != nullptr) insert_into_pool(tail);
      b = (tail != nullptr ? tail : hole)->next;
    }
    if (!seg->head->mapped && seg->head->next == nullptr) {
      backend_.release_address(seg->base, seg->size);
      stats_.decrease(&CounterSet::segment, seg->small, 1);
      arena_.recycle(seg->head);
      erase_segment(seg);
    }
    return released;
  }

  OutOfMemoryDetails oom_details(const Request& r) const {
    const MemoryInfo mem = backend_.memory_info();
    OutOfMemoryDetails d;
    d.requested_bytes = r.requested;
    d.stream = r.stream.id;
    d.allocated_bytes = static_cast<std::uint64_t>(stats_.current(&CounterSet::allocated_bytes));
    d.reserved_bytes = reserved();
    d.cap_bytes = cap_;
    d.memory_fraction = options_.memory_fraction;
    d.device_total_bytes = mem.total_bytes;
    d.device_free_bytes = mem.free_bytes;
    d.device_refused = device_refused_;
    return d;
  }

  DeviceBackend& backend_;
  const CachingAllocatorOptions options_;
  const bool expandable_;
  const std::uint64_t device_total_;
  const std::uint64_t cap_;

  mutable detail::AllocatorMutex mu_;
  detail::AllocatorCounters stats_;       // guarded by mu_
  detail::BlockArena arena_;              // guarded by mu_
  FreeBlockIndex small_pool_;             // guarded by mu_
  FreeBlockIndex large_pool_;             // guarded by mu_
  detail::PointerMap<Block*> allocated_;  // by address; guarded by mu_
  // Other streams that used an allocated block (record_stream), for blocks with stream_uses set.
  std::unordered_map<const Block*, std::vector<Stream>> stream_uses_;  // guarded by mu_
  std::vector<std::unique_ptr<Segment>> segments_;                     // guarded by mu_
  std::vector<std::pair<Event, Block*>> pending_;                      // guarded by mu_
  std::vector<Event> free_events_;                                     // guarded by mu_
  std::uint64_t idle_clock_ = 0;                                       // guarded by mu_
  Block scratch_block_;                    // written instead of a missing neighbour; never read
  Segment scratch_segment_;                // written instead of a split block's segment; never read
  std::vector<Stream> streams_{Stream{}};  // by number; guarded by mu_
  Stream last_stream_;                     // the one numbered last; guarded by mu_
  std::uint16_t last_stream_number_ = 0;   // guarded by mu_
  bool device_refused_ = false;            // the last miss failed in the device, not at the cap
};

CachingAllocator::CachingAllocator(DeviceBackend& backend, CachingAllocatorOptions options)
    : impl_((validate(options), std::make_unique<Impl>(backend, options))) {}

CachingAllocator::~CachingAllocator() = default;

void* CachingAllocator::allocate(std::size_t bytes, Stream stream) {
  return impl_->allocate(bytes, stream);
}
void CachingAllocator::deallocate(void* p) {
  impl_->deallocate(p);
}
void CachingAllocator::record_stream(void* p, Stream stream) {
  impl_->record_stream(p, stream);
}
std::uint64_t CachingAllocator::empty_cache() {
  return impl_->empty_cache();
}
AllocatorStats CachingAllocator::stats() const {
  return impl_->stats();
}
void CachingAllocator::reset_peak_stats() {
  impl_->reset_peak_stats();
}
std::vector<SegmentInfo> CachingAllocator::segments() const {
  return impl_->segments();
}
std::uint64_t CachingAllocator::cap_bytes() const {
  return impl_->cap_bytes();
}
const CachingAllocatorOptions& CachingAllocator::options() const {
  return impl_->options();
}
bool CachingAllocator::expandable_segments() const {
  return impl_->expandable();
}
DeviceBackend& CachingAllocator::backend() const {
  return impl_->backend();
}

}  // namespace opusperf::gpu
