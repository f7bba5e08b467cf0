// SmartCache: a concurrent, bounded, byte-weighted key-value cache with adaptive W-TinyLFU
// eviction, TTL expiry and single-flight loading.
//
//   SmartCache<std::string, Frame>::Options o;
//   o.max_entries = 10'000;
//   o.max_bytes = 512 << 20;                       // weighted capacity; 0 = no byte limit
//   o.weigher = [](const std::string&, const Frame& f) { return f.bytes(); };
//   o.default_ttl = std::chrono::minutes(5);
//   SmartCache<std::string, Frame> cache(o);
//   cache.put("a", frame);
//   if (auto f = cache.get("a")) use(*f);          // a hit
//   auto g = cache.get_or_load("b", [] { return decode("b"); });   // loads "b" once
//
// Capacity: at most max_entries entries and, when max_bytes != 0, at most max_bytes of weight (the
// weigher's sum; default weight sizeof(K) + sizeof(V)). Which entries stay is decided by
// WTinyLfuPolicy (wtinylfu_policy.h): recency window + frequency-filtered main area, with the split
// adapted to the workload. Values: any movable V. get() returns a std::optional<V> copy when V is
// copyable, else a std::shared_ptr<const V> sharing the cached value; either is true on a hit. A
// cached "empty" value (an empty std::optional, a nullptr) is a hit like any other. A second,
// shared tier (a Redis tier) can sit behind it for get_or_load (set_second_tier, second_tier.h).
//
// Thread-safety: every method may be called from many threads at once. A hit takes no lock and
// writes no shared cache line: the hash table is read lock-free (entries are reclaimed by epochs,
// epoch.h), the access is recorded in a per-thread lossy buffer and applied to the policy later in
// a batch (cache_core.h). Writers lock one of several shards; a put that replaces the inline value
// (see Cost) of a present key locks only that entry. Limits are enforced by maintenance, which
// runs at the end of every write (on the writing thread, or on the thread already maintaining)
// and in cleanup(); after a call returns with no other thread writing, the cache is within its
// limits.
//
// Cost: a hit is a hash, a probe of the open-addressing table and a copy of V; small trivially
// copyable values are stored inline (one atomic load), others in a box (one more pointer); most
// of its time is the two cache misses of the probe (the slot, the entry). A put of a present key
// locks the entry (inline values) or the shard (boxed ones); new keys also reach the policy
// through the write buffer. See BM_SmartCache* in smart_cache_benchmark.cc: on a 2-core AMD EPYC
// VM, about 10-12 ns of CPU per hit on one thread (Zipf keys, 2^15 entries), against about 25 ns
// for a mutex-guarded LRU; on 2 threads (run at SCHED_FIFO, so other load does not interleave)
// 85-175 M hits/s against 3-10 M for that LRU, and 44-120 M ops/s with one put in four.
//
// REQUIRES of K, Hash, KeyEqual: copyable K; Hash and KeyEqual as for std::unordered_map, not
// throwing. Not copyable or movable (threads may hold references into it).
#pragma once

#include <bit>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "opusperf/cache/cache_core.h"
#include "opusperf/cache/cache_options.h"
#include "opusperf/cache/epoch.h"
#include "opusperf/cache/false_sharing.h"
#include "opusperf/cache/hash_mix.h"
#include "opusperf/cache/second_tier.h"
#include "opusperf/cache/shard_mutex.h"
#include "opusperf/core/clock.h"

namespace opusperf {
namespace cache {

// Whether SmartCache keeps a T inline in the entry as a lock-free std::atomic<T> (small, trivially
// copyable values) instead of in a separately allocated box.
template <class T, bool = std::is_trivially_copyable_v<T> && sizeof(T) <= 8>
struct StoresInline : std::false_type {};
template <class T>
struct StoresInline<T, true> : std::bool_constant<std::atomic<T>::is_always_lock_free> {};

}  // namespace cache

template <class K, class V, class Hash = std::hash<K>, class KeyEqual = std::equal_to<K>>
class SmartCache final : private cache::EntryTable {
  static constexpr bool kCopyable = std::is_copy_constructible_v<V>;

 public:
  using key_type = K;
  using mapped_type = V;
  // Returns a value's charge against max_bytes. Called once per write; must not throw.
  using Weigher = std::function<std::uint64_t(const K&, const V&)>;
  struct Options : CacheOptions {
    Weigher weigher;  // null = every entry weighs sizeof(K) + sizeof(V)
  };
  // What get() returns: true (engaged) on a hit; *result is the value.
  using GetResult = std::conditional_t<kCopyable, std::optional<V>, std::shared_ptr<const V>>;

  // Watches the keys the cache is asked for (the prefetcher uses it). on_get runs on the calling
  // thread after each get / get_or_load lookup, so it must be cheap and must not throw.
  class AccessObserver {
   public:
    virtual void on_get(const K& key, bool hit) = 0;

   protected:
    ~AccessObserver() = default;
  };

  // REQUIRES (else throws std::invalid_argument): max_entries >= 1; 0 <= window_fraction <= 1;
  // default_ttl >= 0; window_policy "adaptive" or "static".
  explicit SmartCache(Options options = {})
      : weigher_(std::move(options.weigher)),
        default_ttl_(options.default_ttl),
        shard_mask_(shard_count() - 1),
        shards_(std::make_unique<Shard[]>(shard_mask_ + 1)),
        core_(options, *this) {}
  ~SmartCache() {
    core_.quiesce();
    for (std::size_t i = 0; i <= shard_mask_; ++i) {
      Shard& s = shards_[i];
      Slots* t = s.slots.load(std::memory_order_relaxed);
      for (std::size_t j = 0; j <= t->mask; ++j) {
        Node* n = t->slot[j].load(std::memory_order_relaxed);
        if (n != nullptr && n != tombstone()) delete n;
      }
      s.retired.free_all();  // the table itself goes with its Shard
    }
    core_.free_retired();
  }
  SmartCache(const SmartCache&) = delete;
  SmartCache& operator=(const SmartCache&) = delete;

  // Returns key's value if present and not expired (a hit), else an empty result (a miss).
  // Always inlined, with the hit path below, so that the result (an optional) is never passed back
  // through memory: returned from a call, GCC builds it with a byte store and reloads it as a
  // word, a store-forwarding stall on every hit.
  [[gnu::always_inline]] GetResult get(const K& key) { return lookup(key, hash_of(key)); }

  // Returns whether key is present and not expired. Counts nothing; the policy does not see it.
  bool contains(const K& key) const {
    const std::uint64_t h = hash_of(key);
    cache::EpochGuard guard;
    const Node* n = find(shard_for(h), h, key);
    return n != nullptr && !core_.expired(n);
  }

  // Inserts or replaces key's value; it expires after the default TTL.
  void put(K key, V value) { put(std::move(key), std::move(value), default_ttl_); }
  // Inserts or replaces key's value; it expires after ttl (0 = never). REQUIRES: ttl >= 0.
  void put(K key, V value, Clock::duration ttl) {
    const std::uint64_t h = hash_of(key);
    write(h, std::move(key), make_payload(wrap(std::move(value))), core_.expiry_for(ttl), nullptr,
          false);
  }

  // Returns key's value, calling loader() or loader(key) (which returns a V) on a miss and caching
  // the result with the default TTL / with ttl. Concurrent callers for one missing key share one
  // loader call; the others wait for it. If the loader throws, every waiting caller gets that
  // exception and nothing is cached. A value loaded while invalidate(key) or clear() ran is
  // returned to the callers but not cached. A loader that asks for its own key (directly or
  // through other keys' loaders on the same thread) gets std::logic_error instead of a deadlock.
  template <class Loader>
  GetResult get_or_load(const K& key, Loader&& loader) {
    return get_or_load(key, std::forward<Loader>(loader), default_ttl_);
  }
  template <class Loader>
  GetResult get_or_load(const K& key, Loader&& loader, Clock::duration ttl) {
    const std::uint64_t h = hash_of(key);
    if (GetResult hit = lookup(key, h)) return hit;
    Claim c = claim(h, key);
    if (c.present) return std::move(c.present);  // written since our miss
    if (!c.leader) {
      if (c.flight->leader == std::this_thread::get_id()) {
        throw std::logic_error("SmartCache::get_or_load: the loader asked for its own key");
      }
      return c.flight->wait();
    }
    return lead(h, key, loader, ttl, c.flight, false);
  }

  // Loads key as a prefetch on the calling thread, unless it is present or already being loaded:
  // calls loader() or loader(key) and caches the value with the default TTL, counted in
  // prefetch_issued (a later hit counts as prefetch_used, removal before any hit as
  // prefetch_wasted). get_or_load calls for key that arrive meanwhile wait for this load and share
  // its value or exception. Returns whether it loaded; a loader exception propagates.
  template <class Loader>
  bool prefetch(const K& key, Loader&& loader) {
    const std::uint64_t h = hash_of(key);
    Claim c = claim(h, key);
    if (c.present || !c.leader) return false;
    lead(h, key, loader, default_ttl_, c.flight, true);
    return true;
  }

  // Removes key. Returns whether it was present. A load of key in flight is not cached.
  bool invalidate(const K& key) {
    const std::uint64_t h = hash_of(key);
    Shard& s = shard_for(h);
    cache::EpochGuard guard;
    Node* n;
    {
      std::lock_guard lock(s.mu);
      cancel_flight_locked(s, key);
      n = find(s, h, key);
      if (n == nullptr) return false;
      mark_removed_locked(n);
      remove_locked(s, n);
    }
    core_.on_removed(n);
    return true;
  }

  // Removes every entry (counted as explicit removals). Loads in flight are not cached.
  void clear() {
    core_.clear([this](std::vector<cache::EntryBase*>& out) {
      for (std::size_t i = 0; i <= shard_mask_; ++i) {
        Shard& s = shards_[i];
        std::lock_guard lock(s.mu);
        for (auto& [key, flight] : s.flights)
          flight->cancelled = true;
        s.flights.clear();
        Slots* t = s.slots.load(std::memory_order_relaxed);
        for (std::size_t j = 0; j <= t->mask; ++j) {
          Node* n = t->slot[j].load(std::memory_order_relaxed);
          if (n == nullptr || n == tombstone()) continue;
          mark_removed_locked(n);
          out.push_back(n);
        }
        s.slots.store(new Slots(kMinSlots), std::memory_order_seq_cst);
        s.used = s.tombstones = 0;
        retire_slots_locked(s, t);
      }
    });
  }

  // Sets the entry capacity (keeping max_bytes) and evicts down to it before returning.
  // REQUIRES: max_entries >= 1 (else throws std::invalid_argument).
  void resize(std::uint64_t max_entries) { resize(max_entries, core_.limits().max_bytes); }
  // Sets both capacities (max_bytes 0 = no byte limit) and evicts down to them before returning.
  void resize(std::uint64_t max_entries, std::uint64_t max_bytes) {
    core_.resize({max_entries, max_bytes});
  }

  // Applies buffered reads and writes, expires and evicts now, on the calling thread. After it
  // returns (with no other thread writing) the cache is within its limits and holds no entry
  // whose expiry the timer wheel has reached.
  void cleanup() { core_.cleanup(); }

  // Returns the counters and sizes, after applying pending maintenance.
  CacheStats stats() const { return core_.stats(); }
  // Returns the number of entries held, after applying pending maintenance.
  std::uint64_t size() const { return core_.stats().entries; }
  // Returns the cache's clock.
  Clock& clock() const { return core_.clock(); }

  // Installs (or, with nullptr, removes) the access observer. REQUIRES: `observer` outlives its
  // installation; removing it does not wait for on_get calls already running.
  void set_observer(AccessObserver* observer) {
    observer_.store(observer, std::memory_order_release);
  }

  // Puts `tier` behind this cache (null removes it): a get_or_load or prefetch miss asks it before
  // the loader, and loaded values are written through to it (second_tier.h). get/put do not use it.
  void set_second_tier(std::shared_ptr<SecondTier<K, V>> tier) {
    std::lock_guard lock(tier_mu_);
    tier_ = std::move(tier);
  }

 private:
  using Stored = std::conditional_t<kCopyable, V, std::shared_ptr<const V>>;
  static constexpr std::size_t kMinSlots = 16;

  // A value, replaced as a whole on update so readers copy from a consistent one. Small trivially
  // copyable values (up to 8 bytes: ids, counters, pointers) live inline in the entry as an atomic
  // and are replaced by one store; others live in a Box that an update swaps and retires.
  struct Box {
    explicit Box(Stored v) : value(std::move(v)) {}
    Stored value;
  };
  static constexpr bool kInline = cache::StoresInline<Stored>::value;
  using Payload = std::conditional_t<kInline, Stored, std::unique_ptr<Box>>;
  using ValueSlot = std::conditional_t<kInline, std::atomic<Stored>, std::atomic<Box*>>;

  static Payload make_payload(Stored&& v) {
    if constexpr (kInline) {
      return v;
    } else {
      return std::make_unique<Box>(std::move(v));
    }
  }
  static const Stored& payload_value(const Payload& p) {
    if constexpr (kInline) {
      return p;
    } else {
      return p->value;
    }
  }

  // What a reader compares and copies, first in the node (with EntryHot after it, one cache line
  // for small keys and values).
  struct NodeHead {
    NodeHead(K k, std::uint64_t h) : table_hash(h), key(std::move(k)) {}
    const std::uint64_t table_hash;
    const K key;
    ValueSlot value;
  };

  struct alignas(64) Node final : NodeHead, cache::EntryBase {
    Node(K k, std::uint64_t h, Payload p, std::uint64_t w, std::int64_t expires, bool prefetch)
        : NodeHead(std::move(k), h) {
      if constexpr (kInline) {
        this->value.store(p, std::memory_order_relaxed);
      } else {
        this->value.store(p.release(), std::memory_order_relaxed);
      }
      hash = h;  // the policy's copy, in its own cache line
      current_weight.store(w, std::memory_order_relaxed);
      expires_at.store(expires, std::memory_order_relaxed);
      prefetched.store(prefetch, std::memory_order_relaxed);
    }
    ~Node() {
      if constexpr (!kInline) delete this->value.load(std::memory_order_relaxed);
    }
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;

    // Returns a copy of the value (for a boxed value, of the box current at the load).
    // REQUIRES: pinned, or holding the shard lock.
    GetResult read() const {
      if constexpr (kInline) {
        return to_result(this->value.load(std::memory_order_acquire));
      } else {
        return to_result(this->value.load(std::memory_order_acquire)->value);
      }
    }
  };

  // An open-addressing table of entries: probed lock-free by readers, changed under the shard
  // lock, replaced as a whole (and the old one retired) when it grows.
  struct Slots {
    explicit Slots(std::size_t n) : mask(n - 1), slot(new std::atomic<Node*>[n]()) {}
    const std::size_t mask;
    const std::unique_ptr<std::atomic<Node*>[]> slot;
  };

  struct Flight {
    const std::thread::id leader = std::this_thread::get_id();  // the thread that created it
    bool cancelled = false;                                     // guarded by the shard lock
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;  // the rest guarded by mu
    std::optional<Stored> value;
    std::exception_ptr error;

    void finish(std::optional<Stored> v, std::exception_ptr e) {
      {
        std::lock_guard lock(mu);
        done = true;
        value = std::move(v);
        error = std::move(e);
      }
      cv.notify_all();
    }
    GetResult wait() {
      std::unique_lock lock(mu);
      cv.wait(lock, [this] { return done; });
      if (error) std::rethrow_exception(error);
      return to_result(*value);
    }
  };

  struct Shard {
    // Owns its current table, so a constructor that throws after the shards exist (bad options)
    // leaks nothing; replaced tables are retired, not owned.
    ~Shard() { delete slots.load(std::memory_order_relaxed); }
    alignas(cache::kFalseSharingRange) std::atomic<Slots*> slots{new Slots(kMinSlots)};  // read
    alignas(cache::kFalseSharingRange) cache::ShardMutex mu;  // guards the rest
    std::size_t used = 0;
    std::size_t tombstones = 0;
    cache::RetireList retired;
    std::unordered_map<K, std::shared_ptr<Flight>, Hash, KeyEqual> flights;
  };

  static std::size_t shard_count() {
    const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
    return std::min<std::size_t>(64, std::bit_ceil(4 * std::size_t{cpus}));
  }
  static Node* tombstone() { return reinterpret_cast<Node*>(alignof(Node)); }

  static Stored wrap(V&& v) {
    if constexpr (kCopyable) {
      return std::move(v);
    } else {
      return std::make_shared<const V>(std::move(v));
    }
  }
  static GetResult to_result(const Stored& s) {
    if constexpr (kCopyable) {
      return GetResult(std::in_place, s);
    } else {
      return s;
    }
  }
  static const V& unwrap(const Stored& s) {
    if constexpr (kCopyable) {
      return s;
    } else {
      return *s;
    }
  }
  template <class Loader>
  static V call_loader(Loader& loader, const K& key) {
    if constexpr (std::is_invocable_v<Loader&, const K&>) {
      return loader(key);
    } else {
      return loader();
    }
  }

  std::uint64_t hash_of(const K& key) const { return cache::mix_hash(hash_(key)); }
  Shard& shard_for(std::uint64_t h) const { return shards_[(h >> 40) & shard_mask_]; }
  std::uint64_t weigh(const K& key, const Stored& value) const {
    return weigher_ ? weigher_(key, unwrap(value)) : sizeof(K) + sizeof(V);
  }

  // REQUIRES: pinned, or holding s.mu.
  Node* find(const Shard& s, std::uint64_t h, const K& key) const {
    const Slots* t = s.slots.load(std::memory_order_seq_cst);
    for (std::size_t i = h & t->mask;; i = (i + 1) & t->mask) {
      Node* n = t->slot[i].load(std::memory_order_seq_cst);
      if (n == nullptr) return nullptr;
      if (n != tombstone() && n->table_hash == h && equal_(n->key, key)) return n;
    }
  }

  [[gnu::always_inline]] GetResult lookup(const K& key, std::uint64_t h) {
    GetResult result = find_live(key, h);
    if (AccessObserver* o = observer_.load(std::memory_order_acquire)) [[unlikely]] {
      o->on_get(key, static_cast<bool>(result));
    }
    return result;
  }
  [[gnu::always_inline]] GetResult find_live(const K& key, std::uint64_t h) {
    cache::EpochGuard guard;
    Node* n = find(shard_for(h), h, key);
    if (n != nullptr && !core_.expired(n)) [[likely]] {
      core_.on_hit(guard.thread_index(), n);
      return n->read();
    }
    core_.on_miss(guard.thread_index());
    return GetResult{};
  }

  // What claim() found: the live value, or the flight loading key (which this thread leads when
  // `leader`).
  struct Claim {
    GetResult present{};
    std::shared_ptr<Flight> flight;
    bool leader = false;
  };
  Claim claim(std::uint64_t h, const K& key) {
    Shard& s = shard_for(h);
    Claim c;
    cache::EpochGuard guard;
    std::lock_guard lock(s.mu);
    const Node* n = find(s, h, key);
    if (n != nullptr && !core_.expired(n)) {
      c.present = n->read();
      return c;
    }
    auto [it, inserted] = s.flights.try_emplace(key);
    if (inserted) it->second = std::make_shared<Flight>();
    c.flight = it->second;
    c.leader = inserted;
    return c;
  }

  // ---- table changes; REQUIRES: holding s.mu ----
  void insert_locked(Shard& s, Node* n) {
    Slots* t = s.slots.load(std::memory_order_relaxed);
    if ((s.used + s.tombstones + 1) * 2 > t->mask + 1) t = rebuild_locked(s, (s.used + 1) * 4);
    std::size_t i = n->table_hash & t->mask;
    Node* x;
    while ((x = t->slot[i].load(std::memory_order_relaxed)) != nullptr && x != tombstone()) {
      i = (i + 1) & t->mask;
    }
    if (x == tombstone()) --s.tombstones;
    t->slot[i].store(n, std::memory_order_release);
    ++s.used;
  }
  void remove_locked(Shard& s, Node* n) {
    Slots* t = s.slots.load(std::memory_order_relaxed);
    for (std::size_t i = n->table_hash & t->mask;; i = (i + 1) & t->mask) {
      Node* x = t->slot[i].load(std::memory_order_relaxed);
      if (x == nullptr) return;
      if (x == n) {
        t->slot[i].store(tombstone(), std::memory_order_seq_cst);
        --s.used;
        ++s.tombstones;
        return;
      }
    }
  }
  Slots* rebuild_locked(Shard& s, std::size_t min_slots) {
    Slots* old = s.slots.load(std::memory_order_relaxed);
    auto* t = new Slots(std::bit_ceil(std::max(kMinSlots, min_slots)));
    for (std::size_t j = 0; j <= old->mask; ++j) {
      Node* n = old->slot[j].load(std::memory_order_relaxed);
      if (n == nullptr || n == tombstone()) continue;
      std::size_t i = n->table_hash & t->mask;
      while (t->slot[i].load(std::memory_order_relaxed) != nullptr)
        i = (i + 1) & t->mask;
      t->slot[i].store(n, std::memory_order_relaxed);
    }
    s.slots.store(t, std::memory_order_seq_cst);
    s.tombstones = 0;
    retire_slots_locked(s, old);
    return t;
  }
  void retire_slots_locked(Shard& s, Slots* t) {
    s.retired.retire(t, [](void*, void* p) { delete static_cast<Slots*>(p); });
    reclaim_locked(s);
  }
  void retire_box_locked(Shard& s, Box* b) {
    s.retired.retire(b, [](void*, void* p) { delete static_cast<Box*>(p); });
    reclaim_locked(s);
  }
  void reclaim_locked(Shard& s) {
    if (s.retired.due()) {
      s.retired.reclaim(cache::EpochDomain::global().try_advance());
    }
  }
  void cancel_flight_locked(Shard& s, const K& key) {
    auto it = s.flights.find(key);
    if (it == s.flights.end()) return;
    it->second->cancelled = true;
    s.flights.erase(it);
  }

  // Writes key -> value: inserts, or replaces the value of, key's entry. With a flight (a load),
  // writes only if the flight was not cancelled by invalidate() or clear(), and ends it.
  // `prefetched` marks the entry as put by prefetch. Returns whether it wrote.
  bool write(std::uint64_t h, K key, Payload value, std::int64_t expires, Flight* flight,
             bool prefetched) {
    const std::uint64_t w = weigh(key, payload_value(value));
    Shard& s = shard_for(h);
    cache::EpochGuard guard;  // keeps `n` alive after the locks are released
    if constexpr (kInline) {
      // A plain put of a present key replaces an inline value under the entry's lock alone, so
      // writers of hot keys do not meet on the shard lock. (A boxed value's old box is retired
      // on the shard's list, under the shard lock.)
      if (flight == nullptr) {
        if (Node* n = find(s, h, key)) {
          std::optional<bool> moved;
          {
            EntryLock entry(n);
            // Removers mark the entry under its lock before they unlink it: unmarked, the
            // entry is still in the table, and this write lands before the removal.
            if (!n->removed.load(std::memory_order_relaxed)) {
              moved = update_entry_locked(s, n, value, w, expires, prefetched);
            }
          }
          if (moved) {
            after_update(n, *moved, prefetched);
            return true;
          }
        }
      }
    }
    Node* n;
    bool added = false;
    bool moved = false;
    {
      std::lock_guard lock(s.mu);
      if (flight != nullptr) {
        if (flight->cancelled) return false;
        s.flights.erase(key);
      }
      n = find(s, h, key);
      if (n != nullptr) {
        EntryLock entry(n);
        moved = update_entry_locked(s, n, value, w, expires, prefetched);
      } else {
        n = new Node(std::move(key), h, std::move(value), w, expires, prefetched);
        insert_locked(s, n);
        added = true;
      }
    }
    if (added) {
      if (prefetched) core_.record_prefetch_issued();
      core_.on_added(n);
    } else {
      after_update(n, moved, prefetched);
    }
    return true;
  }

  // The per-entry lock of writers that change an entry in place (value, weight, expiry, prefetch
  // mark) or mark it removed; taken after the shard lock when both are held. Held for a few
  // stores, so a waiter spins (yielding after a while, in case the holder was preempted).
  class EntryLock {
   public:
    explicit EntryLock(Node* n) : flag_(n->write_locked) {
      int spins = 0;
      while (flag_.exchange(true, std::memory_order_acquire)) {
        while (flag_.load(std::memory_order_relaxed)) {
          if (++spins < 100) {
            cache::cpu_relax();
          } else {
            std::this_thread::yield();
          }
        }
      }
    }
    ~EntryLock() { flag_.store(false, std::memory_order_release); }
    EntryLock(const EntryLock&) = delete;
    EntryLock& operator=(const EntryLock&) = delete;

   private:
    std::atomic<bool>& flag_;
  };

  // Marks n removed. REQUIRES: holding n's shard lock; n still in the table (unlinked next).
  static void mark_removed_locked(Node* n) {
    EntryLock entry(n);
    n->removed.store(true, std::memory_order_release);
  }

  // Replaces n's value, weight, expiry and prefetch mark. Returns whether the policy must be told
  // (the weight changed or the expiry moved earlier). REQUIRES: holding n's entry lock, and for a
  // boxed value its shard lock (the old box is retired on the shard's list).
  bool update_entry_locked(Shard& s, Node* n, Payload& value, std::uint64_t w, std::int64_t expires,
                           bool prefetched) {
    if constexpr (kInline) {
      n->value.store(value, std::memory_order_release);
    } else {
      retire_box_locked(s, n->value.exchange(value.release(), std::memory_order_acq_rel));
    }
    // Readers share the entry's cache line: write the other fields only when they change (only
    // writers, under the entry lock, change them).
    const std::uint64_t old_weight = n->current_weight.load(std::memory_order_relaxed);
    const std::int64_t old_expiry = n->expires_at.load(std::memory_order_relaxed);
    if (old_weight != w) n->current_weight.store(w, std::memory_order_relaxed);
    if (old_expiry != expires) n->expires_at.store(expires, std::memory_order_relaxed);
    if ((prefetched || n->prefetched.load(std::memory_order_relaxed)) &&
        n->prefetched.exchange(prefetched, std::memory_order_relaxed)) {
      core_.record_prefetch_wasted();  // overwritten before anyone read it
    }
    return old_weight != w || expires < old_expiry;
  }

  // Tells the policy about an in-place update of n. REQUIRES: pinned.
  void after_update(Node* n, bool moved, bool prefetched) {
    if (prefetched) core_.record_prefetch_issued();
    if (moved) {
      core_.on_updated(n);
    } else {
      core_.on_rewrite(n);
    }
  }

  // Returns the second tier's value for key, else the loader's (written through to the tier).
  template <class Loader>
  V load_through_tier(Loader& loader, const K& key) {
    std::shared_ptr<SecondTier<K, V>> tier;
    {
      std::lock_guard lock(tier_mu_);
      tier = tier_;
    }
    if (tier) {
      if (std::optional<V> v = tier->get(key)) return std::move(*v);
    }
    V v = call_loader(loader, key);
    if (tier) tier->put(key, v);
    return v;
  }

  // Runs the loader for a flight this thread leads, caches and shares the result.
  template <class Loader>
  GetResult lead(std::uint64_t h, const K& key, Loader& loader, Clock::duration ttl,
                 const std::shared_ptr<Flight>& flight, bool prefetched) {
    const auto started = clock().now();
    std::optional<Payload> value;
    try {
      value.emplace(make_payload(wrap(load_through_tier(loader, key))));
    } catch (...) {
      core_.record_load(false, clock().now() - started);
      {
        Shard& s = shard_for(h);
        std::lock_guard lock(s.mu);
        auto it = s.flights.find(key);
        if (it != s.flights.end() && it->second == flight) s.flights.erase(it);
      }
      flight->finish(std::nullopt, std::current_exception());
      throw;
    }
    core_.record_load(true, clock().now() - started);
    std::optional<Stored> shared(payload_value(*value));
    write(h, key, std::move(*value), core_.expiry_for(ttl), flight.get(), prefetched);
    GetResult result = to_result(*shared);
    flight->finish(std::move(shared), nullptr);
    return result;
  }

  // REQUIRES (cache::EntryTable): see cache_core.h.
  bool unlink(cache::EntryBase* e) override {
    auto* n = static_cast<Node*>(e);
    Shard& s = shard_for(n->table_hash);
    std::lock_guard lock(s.mu);
    if (n->removed.load(std::memory_order_relaxed)) return false;
    mark_removed_locked(n);
    remove_locked(s, n);
    return true;
  }
  void destroy(cache::EntryBase* e) override { delete static_cast<Node*>(e); }

  const Weigher weigher_;
  const Clock::duration default_ttl_;
  [[no_unique_address]] Hash hash_;
  [[no_unique_address]] KeyEqual equal_;
  const std::size_t shard_mask_;
  const std::unique_ptr<Shard[]> shards_;
  std::atomic<AccessObserver*> observer_{nullptr};
  std::mutex tier_mu_;  // guards tier_; taken only on the load path, never on a hit
  std::shared_ptr<SecondTier<K, V>> tier_;
  mutable cache::CacheCore core_;
};

}  // namespace opusperf
