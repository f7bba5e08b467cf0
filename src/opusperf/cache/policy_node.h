// PolicyNode and AccessQueue: the eviction policy's per-entry bookkeeping and its intrusive LRU
// queues.
//
// A cache entry embeds a PolicyNode (SmartCache's node derives from it), so the policy orders
// entries and schedules their expiry without allocating. Every field is owned by the policy and
// guarded by the cache's policy lock; nothing here is atomic.
//
// Thread-safety: none (see above). Cost: O(1) per queue operation.
#pragma once

#include <cstdint>
#include <limits>

namespace opusperf::cache {

// Which access-order queue holds a node.
enum class QueueId : std::uint8_t { kNone, kWindow, kProbation, kProtected };

struct PolicyNode {
  static constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

  // Rarely written fields first: in SmartCache's entries they share a cache line with what readers
  // touch, and the links (rewritten on every policy move) start the next line.
  std::uint64_t hash = 0;      // the key's well-mixed hash (frequency sketch)
  std::uint64_t weight = 0;    // weight as last applied by the policy
  PolicyNode* prev = nullptr;  // access-order queue links (nullptr at the ends)
  PolicyNode* next = nullptr;
  PolicyNode* timer_prev =
      nullptr;  // timer wheel bucket links (circular; nullptr when unscheduled)
  PolicyNode* timer_next = nullptr;
  std::int64_t expires_ns = kNever;  // expiry time as last scheduled in the timer wheel
  QueueId queue = QueueId::kNone;
};

// An intrusive doubly-linked queue of PolicyNodes, least recently used at the front, with its
// entry count and total weight.
class AccessQueue {
 public:
  AccessQueue() = default;
  AccessQueue(const AccessQueue&) = delete;
  AccessQueue& operator=(const AccessQueue&) = delete;

  PolicyNode* front() const { return head_; }
  PolicyNode* back() const { return tail_; }
  std::uint64_t count() const { return count_; }
  std::uint64_t weight() const { return weight_; }

  // Appends n (most recently used). REQUIRES: n is in no queue.
  void push_back(PolicyNode* n) {
    n->prev = tail_;
    n->next = nullptr;
    if (tail_ != nullptr) {
      tail_->next = n;
    } else {
      head_ = n;
    }
    tail_ = n;
    ++count_;
    weight_ += n->weight;
  }
  // Unlinks n. REQUIRES: n is in this queue.
  void remove(PolicyNode* n) {
    if (n->prev != nullptr) {
      n->prev->next = n->next;
    } else {
      head_ = n->next;
    }
    if (n->next != nullptr) {
      n->next->prev = n->prev;
    } else {
      tail_ = n->prev;
    }
    n->prev = n->next = nullptr;
    --count_;
    weight_ -= n->weight;
  }
  // Makes n the most recently used. REQUIRES: n is in this queue.
  void move_to_back(PolicyNode* n) {
    if (n == tail_) return;
    remove(n);
    push_back(n);
  }
  // Changes n's weight, keeping the queue's total right. REQUIRES: n is in this queue.
  void reweigh(PolicyNode* n, std::uint64_t weight) {
    weight_ = weight_ - n->weight + weight;
    n->weight = weight;
  }

 private:
  PolicyNode* head_ = nullptr;
  PolicyNode* tail_ = nullptr;
  std::uint64_t count_ = 0;
  std::uint64_t weight_ = 0;
};

}  // namespace opusperf::cache
