#include "opusperf/gpu/free_block_index.h"

#include <bit>
#include <cstddef>

namespace opusperf::gpu::detail {

FreeBlockIndex::StreamBins::StreamBins(Stream s) : stream(s) {
  for (BinLink& sentinel : lists)
    sentinel = {&sentinel, &sentinel};
}

const FreeBlockIndex::StreamBins* FreeBlockIndex::find_other(Stream stream) const {
  for (const auto& s : streams_) {
    if (s->stream == stream) return s.get();
  }
  return nullptr;
}

FreeBlockIndex::StreamBins& FreeBlockIndex::switch_stream(Stream stream) {
  for (const auto& s : streams_) {
    if (s->stream == stream) return *(last_ = s.get());
  }
  return *(last_ = streams_.emplace_back(std::make_unique<StreamBins>(stream)).get());
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
