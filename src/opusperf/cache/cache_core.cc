#include "opusperf/cache/cache_core.h"

#include <algorithm>
#include <bit>
#include <stdexcept>
#include <thread>

#include "opusperf/cache/epoch.h"

namespace opusperf::cache {
namespace {

// Caches of at least kSkipMinEntries skip re-recording a hit on an entry of the protected queue
// (main area, promoted there by a hit) that the policy saw read in the last protected capacity /
// kSkipDivisor applied reads. What that loses is small. Frequency: such a key is still counted
// once every max_entries * 0.8 / kSkipDivisor applied reads at least, while the sketch halves its
// counters every 10 * max_entries increments: 50 counts per halving when reads dominate, above the
// counters' saturation at 15, and its estimate does not change. Recency: the entry stays within
// the most recent 2 / kSkipDivisor of the protected queue (it is recorded again once the window
// passes), so it is not the one demoted (unless the window grows and shrinks the protected queue
// under it; the skip window shrinks with it); only the order among such hot entries is blurred.
// Hits in the window and in probation, where one read decides an admission or a promotion, are
// always recorded. What it saves is the policy work (a sketch line, a list move, the miniature
// simulation) for most hits on hot keys, which is most of the work of a read-heavy cache. Smaller
// caches, where this work is cheap and each decision counts, record every hit.
constexpr std::uint64_t kSkipMinEntries = 4096;
constexpr std::uint64_t kSkipDivisor = 4;
constexpr std::uint32_t kSkipMaxWindow = 1u << 20;
// Added to (subtracted from) the access clock for an entry the skip must not apply to: far beyond
// any window, until the clock has advanced 2^31 more applied reads.
constexpr std::uint32_t kStale = 1u << 31;

std::uint32_t skip_window_for(const WTinyLfuPolicy& policy) {
  if (policy.limits().max_entries < kSkipMinEntries) return 0;
  return static_cast<std::uint32_t>(
      std::min<std::uint64_t>(policy.protected_capacity() / kSkipDivisor, kSkipMaxWindow));
}

Clock& clock_of(const CacheOptions& o) {
  return o.clock != nullptr ? *o.clock : SteadyClock::instance();
}

CacheLimits limits_of(const CacheOptions& o) {
  if (o.max_entries < 1) throw std::invalid_argument("SmartCache: max_entries must be >= 1");
  if (!(o.window_fraction >= 0 && o.window_fraction <= 1)) {
    throw std::invalid_argument("SmartCache: window_fraction must be in [0, 1]");
  }
  if (o.default_ttl.count() < 0)
    throw std::invalid_argument("SmartCache: default_ttl must be >= 0");
  return {o.max_entries, o.max_bytes};
}

}  // namespace

CacheCore::CacheCore(const CacheOptions& options, EntryTable& table)
    : table_(table),
      clock_(clock_of(options)),
      counters_(std::make_unique<StripeCounters[]>(kStripes)),
      writes_(kWriteBufferSize),
      policy_(limits_of(options),
              make_window_controller(options.window_policy, options.window_fraction),
              options.window_fraction, options.seed),
      wheel_(now_ns()) {
  skip_window_.store(skip_window_for(policy_), std::memory_order_relaxed);
}

CacheCore::~CacheCore() {
  free_retired();
}

void CacheCore::record_prefetch_used(EntryBase* e) {
  if (e->prefetched.exchange(false, std::memory_order_relaxed)) {
    prefetch_used_.fetch_add(1, std::memory_order_relaxed);
  }
}

void CacheCore::record_read_full(std::uint32_t index, EntryBase* e) {
  // Full: apply the backlog if nobody else is, then record this read (dropped if still full).
  schedule_drain();
  reads_.offer(index, e);
}

void CacheCore::on_added(EntryBase* e) {
  post({e, EventType::kAdd});
}

void CacheCore::on_removed(EntryBase* e) {
  evictions_explicit_.fetch_add(1, std::memory_order_relaxed);
  post({e, EventType::kRemove});
}

void CacheCore::on_updated(EntryBase* e) {
  post({e, EventType::kUpdate});
}

void CacheCore::post(Event ev) {
  while (!writes_.offer(ev)) {
    // Full: apply the backlog ourselves (back-pressure on writers), then retry.
    std::lock_guard lock(policy_mu_);
    maintain_locked();
  }
  schedule_drain();
}

// Runs maintenance unless another thread is running it; that thread then sees drain_required_
// and runs it again, so no event posted before this call is left unapplied.
void CacheCore::schedule_drain() {
  drain_required_.store(true, std::memory_order_seq_cst);
  while (drain_required_.load(std::memory_order_seq_cst) && policy_mu_.try_lock()) {
    drain_required_.store(false, std::memory_order_seq_cst);
    maintain_locked();
    policy_mu_.unlock();
  }
}

void CacheCore::cleanup() {
  std::lock_guard lock(policy_mu_);
  maintain_locked();
}

void CacheCore::resize(CacheLimits limits) {
  if (limits.max_entries < 1) throw std::invalid_argument("SmartCache: max_entries must be >= 1");
  std::lock_guard lock(policy_mu_);
  policy_.set_limits(limits);
  maintain_locked();
}

CacheLimits CacheCore::limits() {
  std::lock_guard lock(policy_mu_);
  return policy_.limits();
}

void CacheCore::clear(const std::function<void(std::vector<EntryBase*>&)>& unlink_all) {
  std::lock_guard lock(policy_mu_);
  maintain_locked();
  std::vector<EntryBase*> removed;
  unlink_all(removed);
  evictions_explicit_.fetch_add(removed.size(), std::memory_order_relaxed);
  for (EntryBase* e : removed) {
    // A pending entry is retired when its (still buffered) add event is applied.
    if (e->policy_state == EntryBase::PolicyState::kLinked) {
      policy_.on_remove(e);
      retire_locked(e);
    }
  }
  maintain_locked();
}

void CacheCore::quiesce() {
  std::lock_guard lock(policy_mu_);
  maintain_locked();
}

void CacheCore::free_retired() {
  std::lock_guard lock(policy_mu_);
  retired_.free_all();
}

void CacheCore::record_load(bool ok, Clock::duration took) {
  (ok ? loads_ : load_failures_).fetch_add(1, std::memory_order_relaxed);
  load_ns_.fetch_add(took.count(), std::memory_order_relaxed);
}

CacheStats CacheCore::stats() {
  CacheStats s;
  {
    std::lock_guard lock(policy_mu_);
    maintain_locked();
    s.entries = policy_.entries();
    s.bytes = policy_.bytes();
    s.max_entries = policy_.limits().max_entries;
    s.max_bytes = policy_.limits().max_bytes;
    s.window_fraction = policy_.window_fraction();
    s.evictions_size = evictions_size_;
    s.evictions_expired = evictions_expired_;
  }
  s.hits = shared_hits_.load(std::memory_order_relaxed);
  s.misses = shared_misses_.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < kStripes; ++i) {
    s.hits += counters_[i].hits.load(std::memory_order_relaxed);
    s.misses += counters_[i].misses.load(std::memory_order_relaxed);
  }
  s.evictions_explicit = evictions_explicit_.load(std::memory_order_relaxed);
  s.loads = loads_.load(std::memory_order_relaxed);
  s.load_failures = load_failures_.load(std::memory_order_relaxed);
  s.load_time = Clock::duration(load_ns_.load(std::memory_order_relaxed));
  s.prefetch_issued = prefetch_issued_.load(std::memory_order_relaxed);
  s.prefetch_used = prefetch_used_.load(std::memory_order_relaxed);
  s.prefetch_wasted = prefetch_wasted_.load(std::memory_order_relaxed);
  return s;
}

// The order matters for reclamation: the epoch is read first, so every reader or writer that could
// still reference an entry retired two epochs before it has unpinned, and has therefore finished
// putting that entry into a buffer; draining the buffers afterwards removes the last references,
// and only then are such entries destroyed. (A read ring publishes a record with its tail, so the
// drain sees every record finished before it; the write buffer can show a claimed but unfilled
// cell, and then nothing is freed this time.)
void CacheCore::maintain_locked() {
  // Advancing writes the global epoch's cache line, which every reader loads: do it only when a
  // batch of entries waits to be freed.
  const std::uint64_t epoch = retired_.due() ? EpochDomain::global().try_advance() : 0;
  std::uint32_t clock = access_clock_.load(std::memory_order_relaxed);
  const std::uint32_t skip_window = skip_window_.load(std::memory_order_relaxed);
  reads_.drain([this, &clock, skip_window](EntryBase* e) {
    if (e->policy_state != EntryBase::PolicyState::kLinked) return;
    // A protected entry read again before the reader could see the stamp an earlier record left
    // (the rings hold up to kRingSize records a thread between drains): skipped as a reader that
    // saw the stamp would have (record_access), so how often the policy applies a hot entry's
    // reads does not depend on how long the rings wait for a drain.
    if (e->queue == QueueId::kProtected &&
        clock - e->recorded_at.load(std::memory_order_relaxed) < skip_window) {
      return;
    }
    policy_.on_access(e);
    // Only protected entries may skip (see kSkipDivisor); for the others the stamp stays stale.
    // Writing it takes the line readers share away from them, so once a window is enough.
    if (e->queue == QueueId::kProtected) e->recorded_at.store(clock, std::memory_order_relaxed);
    ++clock;
  });
  access_clock_.store(clock, std::memory_order_relaxed);
  const std::uint32_t me = EpochDomain::thread_index();
  if (drainer_.load(std::memory_order_relaxed) != me) drainer_.store(me, std::memory_order_relaxed);
  const bool complete = writes_.drain([this](const Event& ev) { apply(ev); });
  expire_locked();
  evict_locked();
  // The protected queue's capacity moves with the window share and with resize().
  const std::uint32_t window = skip_window_for(policy_);
  if (window != skip_window_.load(std::memory_order_relaxed)) {
    skip_window_.store(window, std::memory_order_relaxed);
  }
  if (complete && epoch != 0) retired_.reclaim(epoch);
}

void CacheCore::apply(const Event& ev) {
  EntryBase* e = ev.entry;
  switch (ev.type) {
    case EventType::kAdd:
      if (e->removed.load(std::memory_order_acquire)) {
        retire_locked(e);  // invalidated before the policy saw it
        return;
      }
      e->weight = e->current_weight.load(std::memory_order_relaxed);
      e->expires_ns = e->expires_at.load(std::memory_order_relaxed);
      policy_.on_add(e);
      e->policy_state = EntryBase::PolicyState::kLinked;
      // As if never read: the first hit after the add is recorded.
      e->recorded_at.store(access_clock_.load(std::memory_order_relaxed) - kStale,
                           std::memory_order_relaxed);
      if (e->expires_ns != PolicyNode::kNever) wheel_.schedule(e);
      return;
    case EventType::kRemove:
      // kPending: its add event, still queued, sees `removed` and retires it.
      if (e->policy_state == EntryBase::PolicyState::kLinked) {
        policy_.on_remove(e);
        retire_locked(e);
      }
      return;
    case EventType::kUpdate: {
      if (e->policy_state != EntryBase::PolicyState::kLinked) return;
      const std::uint64_t weight = e->current_weight.load(std::memory_order_relaxed);
      if (weight != e->weight) policy_.on_reweigh(e, weight);
      const std::int64_t at = e->expires_at.load(std::memory_order_relaxed);
      if (at != e->expires_ns) {
        wheel_.deschedule(e);
        e->expires_ns = at;
        if (at != PolicyNode::kNever) wheel_.schedule(e);
      }
      policy_.on_access(e);
      return;
    }
  }
}

void CacheCore::expire_locked() {
  if (wheel_.size() == 0) return;
  scratch_.clear();
  const std::int64_t now = now_ns();
  wheel_.advance(now, scratch_);
  for (PolicyNode* n : scratch_) {
    auto* e = static_cast<EntryBase*>(n);
    const std::int64_t at = e->expires_at.load(std::memory_order_relaxed);
    if (at > now) {
      // A later write moved the expiry without an event (only earlier expiries post one).
      e->expires_ns = at;
      if (at != PolicyNode::kNever) wheel_.schedule(e);
      continue;
    }
    if (table_.unlink(e)) ++evictions_expired_;
    policy_.on_remove(e);
    retire_locked(e);
  }
}

void CacheCore::evict_locked() {
  scratch_.clear();
  policy_.maintain(scratch_);
  for (PolicyNode* n : scratch_) {
    auto* e = static_cast<EntryBase*>(n);
    if (table_.unlink(e)) ++evictions_size_;  // else invalidated meanwhile, counted there
    retire_locked(e);
  }
}

void CacheCore::retire_locked(EntryBase* e) {
  e->policy_state = EntryBase::PolicyState::kRetired;
  wheel_.deschedule(e);
  if (e->prefetched.exchange(false, std::memory_order_relaxed)) {
    prefetch_wasted_.fetch_add(1, std::memory_order_relaxed);
  }
  retired_.retire(
      e,
      [](void* table, void* entry) {
        static_cast<EntryTable*>(table)->destroy(static_cast<EntryBase*>(entry));
      },
      &table_);
}

}  // namespace opusperf::cache
