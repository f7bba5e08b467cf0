// CacheCore: the half of SmartCache that does not depend on the key and value types. It owns the
// eviction policy (WTinyLfuPolicy), the timer wheel, the read and write buffers through which
// readers and writers report to the policy without taking its lock, the policy lock itself, the
// reclamation of removed entries and the statistics.
//
// How a SmartCache operation reaches the policy (as in Caffeine):
//   hit      -> on_hit(): a lossy, per-thread read buffer; no lock (in large caches, a hit on a
//               protected entry the policy saw read moments ago is not recorded again, and the
//               drain drops such records made before the reader could see that)
//   insert   -> on_added(): the bounded write buffer, then a try-lock to apply the backlog
//   remove   -> on_removed(); weight or TTL change -> on_updated(): the write buffer likewise
//   maintain -> under the policy lock: drain reads, drain writes, expire (timer wheel), evict
// Whoever holds the lock applies everyone's buffered events, so a thread never waits for the lock
// unless the write buffer is full. Entries unlinked by the policy are handed back to the table
// (EntryTable::unlink) and destroyed (EntryTable::destroy) only once no reader can hold them.
//
// Thread-safety: every public method may be called from many threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "opusperf/cache/cache_options.h"
#include "opusperf/cache/epoch.h"
#include "opusperf/cache/false_sharing.h"
#include "opusperf/cache/policy_node.h"
#include "opusperf/cache/read_buffer.h"
#include "opusperf/cache/retire_list.h"
#include "opusperf/cache/timer_wheel.h"
#include "opusperf/cache/write_buffer.h"
#include "opusperf/cache/wtinylfu_policy.h"
#include "opusperf/core/clock.h"

namespace opusperf::cache {

// The table-side fields of a cache entry that readers touch (with the key and value, which
// SmartCache's node puts just before them, they share the entry's first cache line).
struct EntryHot {
  std::atomic<std::int64_t> expires_at{PolicyNode::kNever};  // ns on the cache clock
  std::atomic<std::uint64_t> current_weight{0};              // the current value's weight
  // Access clock when the policy last applied a read of the entry in its protected queue; far in
  // the past (stale) otherwise, so that every hit is recorded.
  std::atomic<std::uint32_t> recorded_at{1u << 31};
  std::atomic<bool> removed{false};       // unlinked from the table (set once)
  std::atomic<bool> prefetched{false};    // put by prefetch and not read since
  std::atomic<bool> write_locked{false};  // the table side's per-entry writer lock
};

// The type-independent part of a cache entry. The table side (SmartCache, under its shard locks)
// writes the EntryHot atomics; the policy side (under the policy lock) owns PolicyNode and
// policy_state. For small keys and values the queue links fall in the line after what readers
// touch, so the policy's list moves do not take readers' lines away.
struct EntryBase : EntryHot, PolicyNode {
  enum class PolicyState : std::uint8_t { kPending, kLinked, kRetired };

  PolicyState policy_state = PolicyState::kPending;
};

// Implemented by SmartCache: what the policy side needs from the table side.
class EntryTable {
 public:
  // Unlinks e from the hash table if it is still there (and marks it removed). Returns whether it
  // was. Called under the policy lock; takes a shard lock.
  virtual bool unlink(EntryBase* e) = 0;
  // Destroys e. Called once no reader can reach it.
  virtual void destroy(EntryBase* e) = 0;

 protected:
  ~EntryTable() = default;
};

class CacheCore {
 public:
  // REQUIRES: see SmartCache's constructor. `table` must outlive this.
  CacheCore(const CacheOptions& options, EntryTable& table);
  ~CacheCore();
  CacheCore(const CacheCore&) = delete;
  CacheCore& operator=(const CacheCore&) = delete;

  Clock& clock() const { return clock_; }
  // Returns the clock's time in nanoseconds.
  std::int64_t now_ns() const { return clock_.now().time_since_epoch().count(); }
  // Returns the expiry time of an entry written now with this TTL: kNever for ttl <= 0 or a TTL
  // too long to represent.
  std::int64_t expiry_for(Clock::duration ttl) const {
    if (ttl.count() <= 0) return PolicyNode::kNever;
    const std::int64_t now = now_ns();
    return ttl.count() >= PolicyNode::kNever - now ? PolicyNode::kNever : now + ttl.count();
  }
  // Returns whether e has expired. Reads the clock only when e has a TTL.
  bool expired(const EntryBase* e) const {
    const std::int64_t at = e->expires_at.load(std::memory_order_relaxed);
    return at != PolicyNode::kNever && at <= now_ns();
  }

  // ---- called by readers (pinned in the epoch domain) ----
  // Inline: a hit is a counter store in the thread's own stripe, a check of the entry's fields
  // and, unless the policy saw the entry read moments ago, a store into the thread's read ring.
  // `index`: the caller's EpochDomain::thread_index().
  void on_hit(std::uint32_t index, EntryBase* e) {
    count(index, true);
    if (e->prefetched.load(std::memory_order_relaxed)) [[unlikely]] {
      record_prefetch_used(e);
    }
    record_access(index, e);
  }
  void on_miss(std::uint32_t index) { count(index, false); }
  // A write that replaced e's value without changing its weight or bringing its expiry forward:
  // the policy sees it as an access, recorded (or skipped) as a hit is.
  void on_rewrite(EntryBase* e) { record_access(EpochDomain::thread_index(), e); }

  // ---- called by writers after changing the table, pinned, holding no shard lock ----
  void on_added(EntryBase* e);
  void on_removed(EntryBase* e);  // explicit removal (invalidate)
  void on_updated(EntryBase* e);  // weight changed or expiry moved earlier

  // ---- counters kept for the table side ----
  void record_load(bool ok, Clock::duration took);
  void record_prefetch_issued() { prefetch_issued_.fetch_add(1, std::memory_order_relaxed); }
  void record_prefetch_wasted() { prefetch_wasted_.fetch_add(1, std::memory_order_relaxed); }

  // Applies every buffered event, expires and evicts now (blocking on the policy lock).
  void cleanup();
  // Sets new limits and evicts down to them before returning.
  void resize(CacheLimits limits);
  // Under the policy lock, calls unlink_all(out), which must unlink every entry from the table,
  // mark it removed and append it to out; then removes them from the policy.
  void clear(const std::function<void(std::vector<EntryBase*>&)>& unlink_all);
  // Applies every buffered event. For the owner's destructor: afterwards every entry is either in
  // the table or retired here. REQUIRES: no concurrent use.
  void quiesce();
  // Destroys every retired entry now. REQUIRES: no concurrent use.
  void free_retired();

  // Returns the statistics, after applying pending events.
  CacheStats stats();
  CacheLimits limits();

 private:
  enum class EventType : std::uint8_t { kAdd, kRemove, kUpdate };
  struct Event {
    EntryBase* entry = nullptr;
    EventType type = EventType::kAdd;
  };
  struct alignas(kFalseSharingRange) StripeCounters {
    std::atomic<std::uint64_t> hits{0};
    std::atomic<std::uint64_t> misses{0};
  };

  static constexpr std::uint32_t kStripes = StripedReadBuffer<EntryBase>::kRings;
  static constexpr std::size_t kWriteBufferSize = 1024;

  // The first kStripes threads (by epoch index) each own a stripe and count with a plain load
  // and store; later ones share an atomic counter.
  void count(std::uint32_t index, bool hit) {
    if (index < kStripes) [[likely]] {
      std::atomic<std::uint64_t>& c = hit ? counters_[index].hits : counters_[index].misses;
      c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    } else {
      (hit ? shared_hits_ : shared_misses_).fetch_add(1, std::memory_order_relaxed);
    }
  }
  void record_access(std::uint32_t index, EntryBase* e) {
    if (access_clock_.load(std::memory_order_relaxed) -
            e->recorded_at.load(std::memory_order_relaxed) <
        skip_window_.load(std::memory_order_relaxed)) {
      return;  // the policy saw this (protected) entry read moments ago
    }
    record_read(index, e);
  }
  void record_read(std::uint32_t index, EntryBase* e) {
    switch (reads_.offer(index, e)) {
      case StripedReadBuffer<EntryBase>::Offer::kAddedHalfFull:
        // The last drainer drains early, so it stays the drainer while it keeps reading.
        if (index == drainer_.load(std::memory_order_relaxed)) schedule_drain();
        return;
      case StripedReadBuffer<EntryBase>::Offer::kFull:
        record_read_full(index, e);
        return;
      default:
        return;
    }
  }
  void record_read_full(std::uint32_t index, EntryBase* e);
  void record_prefetch_used(EntryBase* e);
  void post(Event ev);
  void schedule_drain();
  void maintain_locked();
  void apply(const Event& ev);
  void expire_locked();
  void evict_locked();
  void retire_locked(EntryBase* e);

  EntryTable& table_;
  Clock& clock_;
  std::unique_ptr<StripeCounters[]> counters_;  // one a thread, for the first kStripes
  // Threads beyond kStripes.
  alignas(kFalseSharingRange) std::atomic<std::uint64_t> shared_hits_{0};
  std::atomic<std::uint64_t> shared_misses_{0};
  StripedReadBuffer<EntryBase> reads_;
  BoundedWriteBuffer<Event> writes_;
  std::atomic<bool> drain_required_{false};
  // Reads the policy has applied (wraps); written once per drain, read by every hit.
  alignas(kFalseSharingRange) std::atomic<std::uint32_t> access_clock_{0};
  // A hit on a protected entry whose last read the policy applied fewer than this many applied
  // reads ago is not recorded again (0: every hit is recorded). Set by maintenance from the
  // protected queue's capacity; see kSkipDivisor in the .cc. Shares access_clock_'s line.
  std::atomic<std::uint32_t> skip_window_{0};
  // The epoch index of the thread that ran maintenance last. It drains its read ring when half
  // full, the others theirs only when full: while it keeps reading, the policy's lines stay in its
  // core's cache instead of moving to whichever thread's ring filled first. Written only when the
  // drainer changes; shares access_clock_'s line.
  std::atomic<std::uint32_t> drainer_{0};

  // Guards everything below. In its own line: every writer's try-lock writes it, and readers load
  // the line above on every hit.
  alignas(kFalseSharingRange) std::mutex policy_mu_;
  WTinyLfuPolicy policy_;
  TimerWheel wheel_;
  RetireList retired_;
  std::vector<PolicyNode*> scratch_;
  std::uint64_t evictions_size_ = 0;
  std::uint64_t evictions_expired_ = 0;

  std::atomic<std::uint64_t> evictions_explicit_{0};
  std::atomic<std::uint64_t> loads_{0};
  std::atomic<std::uint64_t> load_failures_{0};
  std::atomic<std::int64_t> load_ns_{0};
  std::atomic<std::uint64_t> prefetch_issued_{0};
  std::atomic<std::uint64_t> prefetch_used_{0};
  std::atomic<std::uint64_t> prefetch_wasted_{0};
};

}  // namespace opusperf::cache
