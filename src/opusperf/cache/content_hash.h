// content_hash: a fast 64-bit hash of a byte buffer's contents, for keying caches by large inputs
// (a decoded frame, an audio chunk, a model input tensor) without hashing element by element.
//
//   std::uint64_t h = content_hash(frame.data(), frame.size());
//
// Not cryptographic: collisions are rare (about 2^-64 for unrelated inputs) but possible, so a
// cache must still compare the full contents on a hash match, as cache_result does (memoize.h).
// wyhash-style: 16 bytes a step through a 64x64->128-bit multiply; about 10 GB/s.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace opusperf {

// Returns the hash of size bytes at data, mixed with seed.
std::uint64_t content_hash(const void* data, std::size_t size, std::uint64_t seed = 0);

inline std::uint64_t content_hash(std::span<const std::byte> bytes, std::uint64_t seed = 0) {
  return content_hash(bytes.data(), bytes.size(), seed);
}
inline std::uint64_t content_hash(std::string_view s, std::uint64_t seed = 0) {
  return content_hash(s.data(), s.size(), seed);
}

}  // namespace opusperf
