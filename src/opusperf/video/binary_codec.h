// BinaryWriter / BinaryReader: the little helpers behind the versioned binary encodings of
// Analysis (the feature cache) and ChunkResult (the chunk cache and distributed results): plain
// values copied byte for byte, strings length-prefixed, every read bounds-checked so damaged or
// truncated bytes are rejected instead of read past.
//
//   BinaryWriter w;  w.put<std::uint32_t>(7);  w.put_string("x");  std::string bytes = w.take();
//   BinaryReader r(bytes);  std::uint32_t v;  if (!r.get(v)) ...   // false: not enough bytes
//
// Values are in host byte order: the encodings are read back on machines of the same kind (a cache
// folder, a cluster of x86-64 workers), not exchanged across architectures.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace opusperf::video {

class BinaryWriter {
 public:
  template <class T>
  void put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof v);
  }
  void put_string(std::string_view s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    out_ += s;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class BinaryReader {
 public:
  explicit BinaryReader(std::string_view in) : in_(in) {}
  template <class T>
  bool get(T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (in_.size() - pos_ < sizeof v) return false;
    std::memcpy(&v, in_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return true;
  }
  bool get_string(std::string& s) {
    std::uint32_t n = 0;
    if (!get(n) || in_.size() - pos_ < n) return false;
    s.assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  // Returns true when a count of `n` records of `size` bytes fits in what is left.
  bool fits(std::uint64_t n, std::size_t size) const { return n <= (in_.size() - pos_) / size; }
  bool done() const { return pos_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace opusperf::video
