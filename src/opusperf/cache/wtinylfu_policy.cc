#include "opusperf/cache/wtinylfu_policy.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace opusperf::cache {
namespace {

constexpr double kProtectedShare = 0.8;  // of the main area
// A candidate must be counted more than kAdmitMargin times more than the victim. Its own arrival
// was just counted, so with no margin a loop over more keys than fit (every key equally frequent,
// the candidate one count ahead of a victim not yet seen this pass) would replace the main area
// on every miss and never hit; with it, loops keep a stable subset (loop, cs, gli traces).
constexpr int kAdmitMargin = 1;
constexpr int kAdmitHashDosThreshold = 6;            // warm candidates are admitted at random...
constexpr std::uint64_t kAdmitRandomMask = 127;      // ...one time in 128
constexpr std::uint64_t kQueueTransferLimit = 1000;  // entries moved per window resize

// Returns `share` of `total`, where share = part / whole of the entry capacity.
std::uint64_t proportion(std::uint64_t total, std::uint64_t part, std::uint64_t whole) {
  return static_cast<std::uint64_t>(static_cast<long double>(total) * part / whole);
}

}  // namespace

WTinyLfuPolicy::WTinyLfuPolicy(CacheLimits limits, std::unique_ptr<WindowController> controller,
                               double window_fraction, std::uint64_t seed)
    : limits_(limits),
      controller_(std::move(controller)),
      sketch_(limits.max_entries),
      rng_(seed | 1) {
  set_window_max(static_cast<std::uint64_t>(
      std::llround(std::clamp(window_fraction, 0.0, 1.0) * limits_.max_entries)));
}

std::uint64_t WTinyLfuPolicy::entries() const {
  return window_.count() + probation_.count() + protected_.count();
}

std::uint64_t WTinyLfuPolicy::bytes() const {
  return window_.weight() + probation_.weight() + protected_.weight();
}

double WTinyLfuPolicy::window_fraction() const {
  return static_cast<double>(window_max_) / static_cast<double>(limits_.max_entries);
}

bool WTinyLfuPolicy::over_capacity() const {
  return entries() > limits_.max_entries || (limits_.max_bytes != 0 && bytes() > limits_.max_bytes);
}

bool WTinyLfuPolicy::window_over() const {
  return window_.count() > window_max_ ||
         (limits_.max_bytes != 0 &&
          window_.weight() > proportion(limits_.max_bytes, window_max_, limits_.max_entries));
}

bool WTinyLfuPolicy::protected_over() const {
  return protected_.count() > protected_max_ ||
         (limits_.max_bytes != 0 &&
          protected_.weight() > proportion(limits_.max_bytes, protected_max_, limits_.max_entries));
}

void WTinyLfuPolicy::set_window_max(std::uint64_t window_max) {
  window_max_ = std::min(window_max, limits_.max_entries);
  protected_max_ = static_cast<std::uint64_t>(
      kProtectedShare * static_cast<double>(limits_.max_entries - window_max_));
}

void WTinyLfuPolicy::set_limits(CacheLimits limits) {
  const double fraction = window_fraction();
  limits_ = limits;
  sketch_.resize(limits.max_entries);
  set_window_max(static_cast<std::uint64_t>(std::llround(fraction * limits.max_entries)));
}

AccessQueue& WTinyLfuPolicy::queue_of(const PolicyNode* n) {
  switch (n->queue) {
    case QueueId::kWindow:
      return window_;
    case QueueId::kProbation:
      return probation_;
    default:
      return protected_;
  }
}

void WTinyLfuPolicy::on_add(PolicyNode* n) {
  sketch_.increment(n->hash);
  controller_->record_miss(n->hash);
  n->queue = QueueId::kWindow;
  window_.push_back(n);
}

void WTinyLfuPolicy::on_access(PolicyNode* n) {
  sketch_.increment(n->hash);
  controller_->record_hit(n->hash);
  switch (n->queue) {
    case QueueId::kWindow:
      window_.move_to_back(n);
      break;
    case QueueId::kProbation:
      probation_.remove(n);
      n->queue = QueueId::kProtected;
      protected_.push_back(n);
      break;
    case QueueId::kProtected:
      protected_.move_to_back(n);
      break;
    case QueueId::kNone:
      break;
  }
}

void WTinyLfuPolicy::on_remove(PolicyNode* n) {
  queue_of(n).remove(n);
  n->queue = QueueId::kNone;
}

void WTinyLfuPolicy::on_reweigh(PolicyNode* n, std::uint64_t weight) {
  queue_of(n).reweigh(n, weight);
}

void WTinyLfuPolicy::maintain(std::vector<PolicyNode*>& evicted) {
  adapt();
  demote_protected();
  const std::uint64_t candidates = evict_from_window();
  evict_from_main(candidates, evicted);
}

void WTinyLfuPolicy::adapt() {
  const std::int64_t delta = controller_->adjustment(window_max_, limits_.max_entries);
  if (delta > 0) {
    // Grow the window with main's least valuable entries (probation's, then protected's least
    // recent), as Caffeine does, so the new space is used at once.
    const std::uint64_t quota = std::min<std::uint64_t>(static_cast<std::uint64_t>(delta),
                                                        limits_.max_entries - window_max_);
    set_window_max(window_max_ + quota);
    for (std::uint64_t moved = 0; moved < std::min(quota, kQueueTransferLimit); ++moved) {
      PolicyNode* n = probation_.front() != nullptr ? probation_.front() : protected_.front();
      if (n == nullptr) break;
      queue_of(n).remove(n);
      n->queue = QueueId::kWindow;
      window_.push_back(n);
    }
  } else if (delta < 0) {
    const std::uint64_t quota =
        std::min<std::uint64_t>(static_cast<std::uint64_t>(-delta), window_max_);
    set_window_max(window_max_ - quota);
    // The window's least recent entries go to probation directly, not as admission candidates.
    for (std::uint64_t moved = 0; moved < std::min(quota, kQueueTransferLimit) && window_over();
         ++moved) {
      PolicyNode* n = window_.front();
      window_.remove(n);
      n->queue = QueueId::kProbation;
      probation_.push_back(n);
    }
  }
}

void WTinyLfuPolicy::demote_protected() {
  while (protected_over()) {
    PolicyNode* n = protected_.front();
    protected_.remove(n);
    n->queue = QueueId::kProbation;
    probation_.push_back(n);
  }
}

std::uint64_t WTinyLfuPolicy::evict_from_window() {
  std::uint64_t candidates = 0;
  while (window_over()) {
    PolicyNode* n = window_.front();
    window_.remove(n);
    n->queue = QueueId::kProbation;
    probation_.push_back(n);
    ++candidates;
  }
  return candidates;
}

void WTinyLfuPolicy::evict(PolicyNode* n, std::vector<PolicyNode*>& evicted) {
  queue_of(n).remove(n);
  n->queue = QueueId::kNone;
  evicted.push_back(n);
}

bool WTinyLfuPolicy::admit(const PolicyNode* candidate, const PolicyNode* victim) {
  const int victim_freq = sketch_.frequency(victim->hash);
  const int candidate_freq = sketch_.frequency(candidate->hash);
  if (candidate_freq > victim_freq + kAdmitMargin) return true;
  if (candidate_freq >= kAdmitHashDosThreshold) {
    // A warm candidate that loses is still admitted now and then, so an attacker who keeps a
    // victim's counters high by hash collisions cannot pin the main area (Caffeine's defence).
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return (rng_ & kAdmitRandomMask) == 0;
  }
  return false;
}

// Caffeine's evictFromMain: the window's overflow (the last `candidates` of probation) competes
// with probation's least recent entries, two at a time; the loser of each duel is evicted.
void WTinyLfuPolicy::evict_from_main(std::uint64_t candidates, std::vector<PolicyNode*>& evicted) {
  QueueId victim_queue = QueueId::kProbation;
  QueueId candidate_queue = QueueId::kProbation;
  PolicyNode* victim = probation_.front();
  PolicyNode* candidate = probation_.back();
  auto next_candidate = [&](PolicyNode* c) {
    return candidate_queue == QueueId::kWindow ? c->next : c->prev;
  };
  while (over_capacity()) {
    if (candidates == 0 && candidate_queue == QueueId::kProbation) {
      candidate = window_.front();  // search the window for more candidates
      candidate_queue = QueueId::kWindow;
    }
    if (candidate == nullptr && victim == nullptr) {
      if (victim_queue == QueueId::kProbation) {
        victim = protected_.front();
        victim_queue = QueueId::kProtected;
        continue;
      }
      if (victim_queue == QueueId::kProtected) {
        victim = window_.front();
        victim_queue = QueueId::kWindow;
        continue;
      }
      break;
    }
    if (victim == nullptr) {
      PolicyNode* loser = candidate;
      candidate = next_candidate(candidate);
      if (candidates > 0) --candidates;
      evict(loser, evicted);
      continue;
    }
    if (candidate == nullptr) {
      PolicyNode* loser = victim;
      victim = victim->next;
      evict(loser, evicted);
      continue;
    }
    if (candidate == victim) {
      victim = victim->next;
      evict(candidate, evicted);
      candidate = nullptr;
      if (candidates > 0) --candidates;
      continue;
    }
    // An entry heavier than the whole byte capacity can never fit.
    if (limits_.max_bytes != 0 && candidate->weight > limits_.max_bytes) {
      PolicyNode* loser = candidate;
      candidate = next_candidate(candidate);
      if (candidates > 0) --candidates;
      evict(loser, evicted);
      continue;
    }
    if (candidates > 0) --candidates;
    if (admit(candidate, victim)) {
      PolicyNode* loser = victim;
      victim = victim->next;
      evict(loser, evicted);
      candidate = candidate->prev;
    } else {
      PolicyNode* loser = candidate;
      candidate = next_candidate(candidate);
      evict(loser, evicted);
    }
  }
}

}  // namespace opusperf::cache
