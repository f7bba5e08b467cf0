// KeyedList: a recency- or insertion-ordered list of keys with O(1) lookup by key, the building
// block of the simulator's reference policies (an LRU list, a FIFO queue, a ghost list).
//
//   KeyedList<int> fifo;            // payload: e.g. an access counter
//   fifo.push_front(42, 0);         // newest at the front
//   if (int* freq = fifo.find(42)) ++*freq;
//   auto oldest = fifo.pop_back();  // oldest.key == 42
//
// The front is the most recently inserted or promoted key, the back the least recent one.
// Thread-safety: none (a policy is single-threaded). Cost: O(1) expected per operation; one list
// node plus one hash-table slot a key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <list>
#include <unordered_map>
#include <utility>

namespace opusperf::bench::cachesim {

struct NoPayload {};

template <typename Payload = NoPayload>
class KeyedList {
 public:
  struct Entry {
    std::uint64_t key;
    Payload value;
  };

  KeyedList() = default;
  KeyedList(const KeyedList&) = delete;
  KeyedList& operator=(const KeyedList&) = delete;

  std::size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }
  bool contains(std::uint64_t key) const { return index_.count(key) != 0; }

  // Returns the key's payload, or nullptr when the key is not in the list.
  Payload* find(std::uint64_t key) {
    const auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->value;
  }

  // Inserts `key` at the front. REQUIRES: !contains(key).
  void push_front(std::uint64_t key, Payload value = {}) {
    entries_.push_front(Entry{key, std::move(value)});
    index_.emplace(key, entries_.begin());
  }

  // Moves `key` to the front. Returns false (and does nothing) when the key is absent.
  bool move_to_front(std::uint64_t key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return false;
    entries_.splice(entries_.begin(), entries_, it->second);
    return true;
  }

  // Moves the oldest entry to the front (a CLOCK hand's "second chance"). REQUIRES: !empty().
  void move_back_to_front() {
    entries_.splice(entries_.begin(), entries_, std::prev(entries_.end()));
  }

  // Removes `key`. Returns false when it was absent.
  bool erase(std::uint64_t key) {
    const auto it = index_.find(key);
    if (it == index_.end()) return false;
    entries_.erase(it->second);
    index_.erase(it);
    return true;
  }

  // Returns the oldest entry. REQUIRES: !empty().
  Entry& back() { return entries_.back(); }

  // Removes and returns the oldest entry. REQUIRES: !empty().
  Entry pop_back() {
    Entry e = std::move(entries_.back());
    index_.erase(e.key);
    entries_.pop_back();
    return e;
  }

 private:
  std::list<Entry> entries_;
  std::unordered_map<std::uint64_t, typename std::list<Entry>::iterator> index_;
};

}  // namespace opusperf::bench::cachesim
