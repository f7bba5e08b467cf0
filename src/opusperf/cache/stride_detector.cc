#include "opusperf/cache/stride_detector.h"

#include <stdexcept>

namespace opusperf::cache {

StrideDetector::StrideDetector(StrideOptions options) : options_(options) {
  if (options_.depth < 1 || options_.confirmations < 1 || options_.max_streams < 1) {
    throw std::invalid_argument(
        "StrideDetector: depth, confirmations and max_streams must be >= 1");
  }
}

std::vector<std::int64_t> StrideDetector::observe(std::uint64_t stream, std::int64_t position) {
  auto [it, inserted] = streams_.try_emplace(stream);
  Stream& s = it->second;
  if (inserted) {
    lru_.push_front(stream);
    s.lru = lru_.begin();
    s.last = position;
    if (streams_.size() > options_.max_streams) {
      streams_.erase(lru_.back());
      lru_.pop_back();
    }
    return {};
  }
  lru_.splice(lru_.begin(), lru_, s.lru);
  const std::int64_t stride = position - s.last;
  if (stride == 0) return {};  // a repeat read: neither confirms nor breaks the pattern
  s.confirmed = stride == s.stride ? s.confirmed + 1 : 1;
  s.stride = stride;
  s.last = position;
  std::vector<std::int64_t> next;
  if (s.confirmed >= options_.confirmations) {
    next.reserve(static_cast<std::size_t>(options_.depth));
    for (int i = 1; i <= options_.depth; ++i)
      next.push_back(position + stride * i);
  }
  return next;
}

}  // namespace opusperf::cache
