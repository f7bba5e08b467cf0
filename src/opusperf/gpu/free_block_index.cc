#include "opusperf/gpu/free_block_index.h"

#include <bit>

namespace opusperf::gpu::detail {

const FreeBlockIndex::StreamBins* FreeBlockIndex::find(Stream stream) const {
  if (last_ != nullptr && last_->stream == stream) return last_;
  for (const auto& s : streams_) {
    if (s->stream == stream) return s.get();
  }
  return nullptr;
}

FreeBlockIndex::StreamBins& FreeBlockIndex::bins_of(Stream stream) {
  if (last_ != nullptr && last_->stream == stream) return *last_;
  for (const auto& s : streams_) {
    if (s->stream == stream) return *(last_ = s.get());
  }
  return *(last_ = streams_.emplace_back(std::make_unique<StreamBins>(stream)).get());
}

void FreeBlockIndex::mark_non_empty(StreamBins& s, std::size_t i) {
  s.bits[i / 64] |= std::uint64_t{1} << (i % 64);
  s.summary |= std::uint64_t{1} << (i / 64);
}

void FreeBlockIndex::mark_empty(StreamBins& s, std::size_t i) {
  s.bits[i / 64] &= ~(std::uint64_t{1} << (i % 64));
  if (s.bits[i / 64] == 0) s.summary &= ~(std::uint64_t{1} << (i / 64));
}

void FreeBlockIndex::spill(StreamBins& s, std::size_t i, Block* first) {
  for (Block* b = first; b != nullptr;) {
    Block* const next = b->bin_next;
    b->bin_prev = b->bin_next = nullptr;
    b->in_tree = true;
    s.ordered.insert(b);
    b = next;
  }
  s.heads[i] = nullptr;
  s.tree[i / 64] |= std::uint64_t{1} << (i % 64);
}

void FreeBlockIndex::pop_head(StreamBins& s, std::size_t i) {
  Block* const head = s.heads[i];
  Block* const rest = head->bin_next;
  head->bin_next = nullptr;
  if (rest == nullptr) {
    s.heads[i] = nullptr;
    mark_empty(s, i);
    return;
  }
  Block* lowest = rest;
  int scanned = 0;
  for (Block* b = rest; b != nullptr; b = b->bin_next) {
    if (++scanned > kMaxScan) {
      spill(s, i, rest);
      return;
    }
    if (b->ptr < lowest->ptr) lowest = b;
  }
  if (lowest != rest) {  // unlink it from the middle and put it in front
    lowest->bin_prev->bin_next = lowest->bin_next;
    if (lowest->bin_next != nullptr) lowest->bin_next->bin_prev = lowest->bin_prev;
    lowest->bin_next = rest;
    rest->bin_prev = lowest;
  }
  lowest->bin_prev = nullptr;
  s.heads[i] = lowest;
}

Block* FreeBlockIndex::first_of_size(const StreamBins& s, std::size_t size) {
  Block key;  // ptr == nullptr sorts before every block of its size
  key.size = size;
  const auto it = s.ordered.lower_bound(&key);
  return it != s.ordered.end() && (*it)->size == size ? *it : nullptr;
}

void FreeBlockIndex::insert(Block* b) {
  StreamBins& s = bins_of(b->stream());
  if (b->size <= kBinnedLimit) {
    const std::size_t i = bin_of(b->size);
    if (!test(s.tree, i)) {
      b->in_tree = false;
      Block* const head = s.heads[i];
      if (head == nullptr || b->ptr < head->ptr) {  // the new lowest address
        b->bin_prev = nullptr;
        b->bin_next = head;
        if (head != nullptr) head->bin_prev = b;
        s.heads[i] = b;
        mark_non_empty(s, i);
      } else {  // anywhere behind the head: right behind it
        b->bin_prev = head;
        b->bin_next = head->bin_next;
        if (b->bin_next != nullptr) b->bin_next->bin_prev = b;
        head->bin_next = b;
      }
      return;
    }
  }
  b->bin_prev = b->bin_next = nullptr;
  b->in_tree = true;
  s.ordered.insert(b);
}

void FreeBlockIndex::erase(Block* b) {
  StreamBins& s = bins_of(b->stream());
  if (b->in_tree) {
    s.ordered.erase(b);
    b->in_tree = false;
    if (b->size <= kBinnedLimit && first_of_size(s, b->size) == nullptr) {
      const std::size_t i = bin_of(b->size);
      s.tree[i / 64] &= ~(std::uint64_t{1} << (i % 64));
      mark_empty(s, i);
    }
    return;
  }
  if (b->bin_prev == nullptr) {
    pop_head(s, bin_of(b->size));
    return;
  }
  b->bin_prev->bin_next = b->bin_next;
  if (b->bin_next != nullptr) b->bin_next->bin_prev = b->bin_prev;
  b->bin_prev = b->bin_next = nullptr;
}

Block* FreeBlockIndex::best_fit(Stream stream, std::size_t size) const {
  const StreamBins* s = find(stream);
  if (s == nullptr) return nullptr;
  if (size <= kBinnedLimit) {
    const std::size_t i = bin_of(size + kMinBlockSize - 1);
    const std::size_t word = i / 64;
    std::size_t bin = kBins;
    const std::uint64_t here = s->bits[word] & (~std::uint64_t{0} << (i % 64));
    if (here != 0) {
      bin = word * 64 + static_cast<std::size_t>(std::countr_zero(here));
    } else {
      const std::uint64_t later =
          word + 1 < 64 ? s->summary & (~std::uint64_t{0} << (word + 1)) : std::uint64_t{0};
      if (later != 0) {
        const auto w = static_cast<std::size_t>(std::countr_zero(later));
        bin = w * 64 + static_cast<std::size_t>(std::countr_zero(s->bits[w]));
      }
    }
    if (bin < kBins) {
      return test(s->tree, bin) ? first_of_size(*s, (bin + 1) * kMinBlockSize) : s->heads[bin];
    }
    // No binned block fits; every block in the ordered set that does is larger than the bins.
  }
  Block key;
  key.size = size;
  const auto it = s->ordered.lower_bound(&key);
  return it != s->ordered.end() ? *it : nullptr;
}

std::vector<Block*> FreeBlockIndex::at_least(Stream stream, std::size_t min_size) const {
  std::vector<Block*> out;
  const StreamBins* s = find(stream);
  if (s == nullptr) return out;
  Block key;
  key.size = min_size;
  for (auto it = s->ordered.lower_bound(&key); it != s->ordered.end(); ++it)
    out.push_back(*it);
  return out;
}

}  // namespace opusperf::gpu::detail
