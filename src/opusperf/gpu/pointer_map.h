// Internal to caching_allocator.cc: the allocated blocks by address, as an open-addressing hash
// table (linear probing, backward-shift deletion) of small values V, so the allocate/free path
// allocates no nodes. Keys are the 512-byte-aligned block addresses, never nullptr. Not
// thread-safe (the allocator's mutex guards it). Cost: one hash and, at load <= 1/4, almost
// always one probe a lookup (so the probe and backward-shift loops rarely mispredict); with V a
// pointer a slot is 16 bytes, four to a cache line, 64 bytes per entry at the lowest load.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace opusperf::gpu::detail {

template <class V>
class PointerMap {
 public:
  PointerMap() : slots_(kInitialSlots) {}
  PointerMap(const PointerMap&) = delete;
  PointerMap& operator=(const PointerMap&) = delete;

  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }

  // REQUIRES: key != nullptr and not in the map.
  void insert(const void* key, const V& value) {
    if ((count_ + 1) * 4 > slots_.size()) grow();
    place(key, value);
    ++count_;
  }
  // Returns the value of `key`, or nullptr. The pointer is valid until the map next changes.
  const V* find(const void* key) const {
    for (std::size_t i = home(key);; i = (i + 1) & mask()) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == nullptr) return nullptr;
    }
  }
  // Removes `key` and stores its value in `out`. Returns false when it was not there.
  bool take(const void* key, V& out) {
    std::size_t i = home(key);
    while (slots_[i].key != key) {
      if (slots_[i].key == nullptr) return false;
      i = (i + 1) & mask();
    }
    out = slots_[i].value;
    // Backward-shift: move later entries of the probe run into the hole, so no tombstones.
    for (std::size_t j = (i + 1) & mask(); slots_[j].key != nullptr; j = (j + 1) & mask()) {
      const std::size_t h = home(slots_[j].key);
      const bool movable = i <= j ? (h <= i || h > j) : (h <= i && h > j);
      if (movable) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Slot{};
    --count_;
    return true;
  }

 private:
  struct Slot {
    const void* key = nullptr;
    V value{};
  };
  static constexpr std::size_t kInitialSlots = 1024;

  std::size_t mask() const { return slots_.size() - 1; }
  // Fibonacci hashing of the address without its always-zero low bits.
  std::size_t home(const void* key) const {
    const std::uint64_t x = (reinterpret_cast<std::uintptr_t>(key) >> 9) * 0x9e3779b97f4a7c15ull;
    return static_cast<std::size_t>(x >> (64 - std::countr_zero(slots_.size())));
  }
  void place(const void* key, const V& value) {
    std::size_t i = home(key);
    while (slots_[i].key != nullptr)
      i = (i + 1) & mask();
    slots_[i] = Slot{key, value};
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old) {
      if (s.key != nullptr) place(s.key, s.value);
    }
  }

  std::vector<Slot> slots_;  // size is a power of two
  std::size_t count_ = 0;
};

}  // namespace opusperf::gpu::detail
