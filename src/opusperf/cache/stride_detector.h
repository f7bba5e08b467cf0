// StrideDetector: finds sequential and strided access in per-stream position sequences, the
// "predictive" half of prefetching (the Prefetcher in prefetcher.h does the loading).
//
//   StrideDetector d({.depth = 2});
//   d.observe(video, 10);  d.observe(video, 11);           // nothing yet
//   auto next = d.observe(video, 12);                      // {13, 14}: stride 1 confirmed
//
// A stream (one video's segments, one file's blocks) is predictable once its last `confirmations`
// steps (position differences) had the same non-zero stride; then each access predicts the next
// `depth` positions. A repeated position neither confirms nor breaks the pattern.
// A stride change resets the confidence, so random access predicts nothing. The most recently used
// `max_streams` streams are tracked (least recently used forgotten), so memory is bounded.
//
// Thread-safety: none; Prefetcher serialises calls. Cost: O(1) per observe (a hash lookup).
#pragma once

#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace opusperf::cache {

struct StrideOptions {
  int depth = 2;                   // positions predicted ahead; >= 1
  int confirmations = 2;           // equal strides in a row needed; >= 1
  std::size_t max_streams = 1024;  // streams tracked; >= 1
};

class StrideDetector {
 public:
  // REQUIRES: valid options (else throws std::invalid_argument).
  explicit StrideDetector(StrideOptions options);
  StrideDetector(const StrideDetector&) = delete;
  StrideDetector& operator=(const StrideDetector&) = delete;

  // Records an access to `position` of `stream`. Returns the positions predicted next (empty when
  // the stream has no confirmed stride).
  std::vector<std::int64_t> observe(std::uint64_t stream, std::int64_t position);

  std::size_t streams() const { return streams_.size(); }

 private:
  struct Stream {
    std::int64_t last = 0;
    std::int64_t stride = 0;
    int confirmed = 0;  // equal non-zero strides in a row
    std::list<std::uint64_t>::iterator lru;
  };

  const StrideOptions options_;
  std::unordered_map<std::uint64_t, Stream> streams_;
  std::list<std::uint64_t> lru_;  // most recent at the front
};

}  // namespace opusperf::cache
