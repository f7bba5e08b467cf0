#include "opusperf/video/feature_cache.h"

#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "opusperf/core/atomic_file.h"
#include "opusperf/core/errors.h"

namespace opusperf::video {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ull;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4Full;

std::uint64_t rotl(std::uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

// Four independent multiply-rotate lanes (xxHash64's round) over 32-byte stripes.
class ContentHash {
 public:
  void update(const char* data, std::size_t n) {
    std::size_t i = 0;
    for (; i + 32 <= n; i += 32) {
      for (int lane = 0; lane < 4; ++lane) {
        std::uint64_t w;
        std::memcpy(&w, data + i + 8 * lane, 8);
        lanes_[lane] = rotl(lanes_[lane] + w * kPrime2, 31) * kPrime1;
      }
    }
    for (; i < n; ++i)
      tail_ = rotl(tail_ ^ static_cast<unsigned char>(data[i]), 5) * kPrime1;
    size_ += n;
  }
  std::uint64_t digest() const {
    std::uint64_t h = size_ * kPrime1 ^ tail_;
    for (std::uint64_t l : lanes_)
      h = rotl(h ^ rotl(l * kPrime2, 31) * kPrime1, 27) * kPrime1 + kPrime2;
    h ^= h >> 33;
    h *= kPrime2;
    h ^= h >> 29;
    return h;
  }

 private:
  std::uint64_t lanes_[4] = {kPrime1 + kPrime2, kPrime2, 0, 0 - kPrime1};
  std::uint64_t tail_ = 0;
  std::uint64_t size_ = 0;
};

}  // namespace

fs::path FeatureCache::default_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return fs::path(xdg) / "opusperf";
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return fs::path(home) / ".cache" / "opusperf";
  }
  return fs::temp_directory_path() / "opusperf-cache";
}

std::string FeatureCache::content_key(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string() + ": cannot open for reading");
  ContentHash h;
  // Block-sized reads: a multi-gigabyte video is hashed without holding it in memory. Every
  // block but the last is a multiple of the 32-byte stripe, so the hash does not depend on it.
  std::vector<char> buf(1 << 20);
  std::uint64_t size = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    h.update(buf.data(), n);
    size += n;
  }
  if (in.bad()) throw InputError(file.string() + ": read error");
  return fmt::format("{:016x}-{}-v1", h.digest(), size);
}

std::optional<Analysis> FeatureCache::load(const std::string& key) const {
  std::ifstream in(dir_ / (key + ".features"), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return deserialize(bytes.str());
}

void FeatureCache::store(const std::string& key, const Analysis& analysis) const {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw RuntimeError(dir_.string() + ": cannot create cache folder: " + ec.message());
  write_file_atomically(dir_ / (key + ".features"), serialize(analysis));
}

}  // namespace opusperf::video
