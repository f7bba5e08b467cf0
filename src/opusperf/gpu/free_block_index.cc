#include "opusperf/gpu/free_block_index.h"

#include <bit>
#include <cstddef>

namespace opusperf::gpu::detail {

FreeBlockIndex::StreamBins::StreamBins() {
  for (BinLink& sentinel : lists)
    sentinel = {&sentinel, &sentinel};
}

FreeBlockIndex::StreamBins& FreeBlockIndex::make_bins(std::uint16_t stream) {
  if (stream >= streams_.size()) streams_.resize(std::size_t{stream} + 1);
  streams_[stream] = std::make_unique<StreamBins>();
  return *streams_[stream];
}

void FreeBlockIndex::to_heap(StreamBins& s, std::size_t i) {
  const auto index = static_cast<std::uint16_t>(s.heaps.size());
  AddressHeap& h = s.heaps.emplace_back();
  BinLink& sentinel = s.lists[i];
  for (BinLink* l = sentinel.next; l != &sentinel;) {
    BinLink* const next = l->next;
    h.push(block_of(l));  // overwrites the link (heap_pos shares its place)
    l = next;
  }
  sentinel = {&sentinel, &sentinel};
  s.lengths[i] = index;
  s.heaped[i / 64] |= std::uint64_t{1} << (i % 64);
}

std::vector<Block*> FreeBlockIndex::at_least(std::uint16_t stream, std::size_t min_size) const {
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
