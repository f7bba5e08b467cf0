#include "opusperf/gpu/free_block_index.h"

#include <bit>

namespace opusperf::gpu::detail {

const FreeBlockIndex::StreamBins* FreeBlockIndex::find(Stream stream) const {
  for (const auto& s : streams_) {
    if (s->stream == stream) return s.get();
  }
  return nullptr;
}

FreeBlockIndex::StreamBins& FreeBlockIndex::bins_of(Stream stream) {
  if (const StreamBins* s = find(stream)) return const_cast<StreamBins&>(*s);
  return *streams_.emplace_back(std::make_unique<StreamBins>(stream));
}

void FreeBlockIndex::insert(Block* b) {
  StreamBins& s = bins_of(b->stream());
  if (b->size >= kBinnedLimit) {
    s.large.insert(b);
    return;
  }
  const std::size_t i = b->size / kMinBlockSize;
  b->bin_prev = nullptr;
  b->bin_next = s.heads[i];
  if (b->bin_next != nullptr) b->bin_next->bin_prev = b;
  s.heads[i] = b;
  s.bits[i / 64] |= std::uint64_t{1} << (i % 64);
  s.summary |= std::uint64_t{1} << (i / 64);
}

void FreeBlockIndex::erase(Block* b) {
  StreamBins& s = bins_of(b->stream());
  if (b->size >= kBinnedLimit) {
    s.large.erase(b);
    return;
  }
  const std::size_t i = b->size / kMinBlockSize;
  if (b->bin_prev != nullptr) {
    b->bin_prev->bin_next = b->bin_next;
  } else {
    s.heads[i] = b->bin_next;
  }
  if (b->bin_next != nullptr) b->bin_next->bin_prev = b->bin_prev;
  b->bin_prev = b->bin_next = nullptr;
  if (s.heads[i] == nullptr) {
    s.bits[i / 64] &= ~(std::uint64_t{1} << (i % 64));
    if (s.bits[i / 64] == 0) s.summary &= ~(std::uint64_t{1} << (i / 64));
  }
}

Block* FreeBlockIndex::best_fit(Stream stream, std::size_t size) const {
  const StreamBins* s = find(stream);
  if (s == nullptr) return nullptr;
  if (size < kBinnedLimit) {
    const std::size_t i = (size + kMinBlockSize - 1) / kMinBlockSize;
    const std::size_t word = i / 64;
    const std::uint64_t here = s->bits[word] & (~std::uint64_t{0} << (i % 64));
    if (here != 0) return s->heads[word * 64 + static_cast<std::size_t>(std::countr_zero(here))];
    const std::uint64_t later =
        word + 1 < 64 ? s->summary & (~std::uint64_t{0} << (word + 1)) : std::uint64_t{0};
    if (later != 0) {
      const auto w = static_cast<std::size_t>(std::countr_zero(later));
      return s->heads[w * 64 + static_cast<std::size_t>(std::countr_zero(s->bits[w]))];
    }
  }
  Block key;
  key.size = size;
  const auto it = s->large.lower_bound(&key);
  return it != s->large.end() ? *it : nullptr;
}

std::vector<Block*> FreeBlockIndex::at_least(Stream stream, std::size_t min_size) const {
  std::vector<Block*> out;
  const StreamBins* s = find(stream);
  if (s == nullptr) return out;
  Block key;
  key.size = min_size;
  for (auto it = s->large.lower_bound(&key); it != s->large.end(); ++it)
    out.push_back(*it);
  return out;
}

}  // namespace opusperf::gpu::detail
