// RetireList: objects unlinked from a lock-free structure, waiting until no reader can still hold
// them (see epoch.h) before they are destroyed.
//
// Thread-safety: none; each list is owned by one lock (a SmartCache shard's, or its policy lock).
// Cost: O(1) to retire; reclaim() walks the list.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "opusperf/cache/epoch.h"

namespace opusperf::cache {

class RetireList {
 public:
  using Deleter = void (*)(void* context, void* object);

  RetireList() = default;
  RetireList(const RetireList&) = delete;
  RetireList& operator=(const RetireList&) = delete;
  ~RetireList() { free_all(); }

  // Queues `object` for deleter(context, object) once readers that might hold it are gone.
  void retire(void* object, Deleter deleter, void* context = nullptr) {
    items_.push_back({object, deleter, context, EpochDomain::global().current()});
  }
  // Destroys every object retired at least two epochs before `epoch` (a value returned by
  // EpochDomain::try_advance or current()). Returns how many it destroyed.
  std::size_t reclaim(std::uint64_t epoch) {
    std::size_t kept = 0;
    for (const Item& item : items_) {
      if (item.epoch + 2 <= epoch) {
        item.deleter(item.context, item.object);
      } else {
        items_[kept++] = item;
      }
    }
    const std::size_t freed = items_.size() - kept;
    items_.resize(kept);
    threshold_ = std::max(kMinBatch, 2 * kept);
    return freed;
  }
  // Destroys everything now. REQUIRES: no reader can hold any of the objects.
  void free_all() {
    for (const Item& item : items_)
      item.deleter(item.context, item.object);
    items_.clear();
  }
  std::size_t size() const { return items_.size(); }
  // Returns whether enough has been retired since the last reclaim() to try again: the threshold
  // doubles with what a reclaim() could not free, so a stalled reader (who holds the epoch back)
  // makes reclamation attempts rarer instead of repeating an O(size) scan on every retire.
  bool due() const { return items_.size() >= threshold_; }

 private:
  struct Item {
    void* object;
    Deleter deleter;
    void* context;
    std::uint64_t epoch;
  };
  static constexpr std::size_t kMinBatch = 64;
  std::vector<Item> items_;
  std::size_t threshold_ = kMinBatch;
};

}  // namespace opusperf::cache
