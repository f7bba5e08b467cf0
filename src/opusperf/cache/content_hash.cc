#include "opusperf/cache/content_hash.h"

#include <cstring>

namespace opusperf {
namespace {

constexpr std::uint64_t kP0 = 0xa0761d6478bd642fULL;
constexpr std::uint64_t kP1 = 0xe7037ed1a0b428dbULL;
constexpr std::uint64_t kP2 = 0x8ebc6af09c88c6e3ULL;
constexpr std::uint64_t kP3 = 0x589965cc75374cc3ULL;

// The 128-bit product of a and b, folded to 64 bits.
std::uint64_t mum(std::uint64_t a, std::uint64_t b) {
  const unsigned __int128 r = static_cast<unsigned __int128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}

std::uint64_t read64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::uint64_t read32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

std::uint64_t content_hash(const void* data, std::size_t size, std::uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  seed ^= mum(seed ^ kP0, kP1);
  std::uint64_t a;
  std::uint64_t b;
  if (size <= 16) {
    if (size >= 4) {
      // Two overlapping 4-byte reads from each end cover 4..16 bytes.
      const std::size_t q = (size >> 3) << 2;
      a = (read32(p) << 32) | read32(p + q);
      b = (read32(p + size - 4) << 32) | read32(p + size - 4 - q);
    } else if (size > 0) {
      a = (std::uint64_t{p[0]} << 16) | (std::uint64_t{p[size >> 1]} << 8) | p[size - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    std::size_t i = size;
    if (i > 48) {
      std::uint64_t s1 = seed;
      std::uint64_t s2 = seed;
      do {
        seed = mum(read64(p) ^ kP1, read64(p + 8) ^ seed);
        s1 = mum(read64(p + 16) ^ kP2, read64(p + 24) ^ s1);
        s2 = mum(read64(p + 32) ^ kP3, read64(p + 40) ^ s2);
        p += 48;
        i -= 48;
      } while (i > 48);
      seed ^= s1 ^ s2;
    }
    while (i > 16) {
      seed = mum(read64(p) ^ kP1, read64(p + 8) ^ seed);
      i -= 16;
      p += 16;
    }
    a = read64(p + i - 16);
    b = read64(p + i - 8);
  }
  return mum(kP1 ^ size, mum(a ^ kP1, b ^ seed));
}

}  // namespace opusperf
