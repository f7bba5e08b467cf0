#include "opusperf/video/analysis.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "opusperf/video/binary_codec.h"
#include "opusperf/video/frame_codec.h"

namespace opusperf::video {
namespace {

constexpr std::uint32_t kMagic = 0x4f505646;  // "OPVF"
constexpr std::uint32_t kVersion = 1;

}  // namespace

float Analysis::loudness_at(double t) const {
  if (t < 0 || loudness_window_s <= 0) return kSilenceDb;
  const auto i = static_cast<std::size_t>(t / loudness_window_s);
  return i < loudness_db.size() ? loudness_db[i] : kSilenceDb;
}

std::string serialize(const Analysis& a) {
  BinaryWriter w;
  w.put(kMagic);
  w.put(kVersion);
  w.put_string(a.info.path);
  w.put_string(a.info.video_codec);
  w.put(a.info.duration_s);
  w.put(a.info.fps);
  w.put<std::int32_t>(a.info.width);
  w.put<std::int32_t>(a.info.height);
  w.put<std::int64_t>(a.info.frames);
  w.put<std::uint8_t>(a.info.has_audio ? 1 : 0);
  w.put<std::int32_t>(a.chunks);
  put_frames(w, a.frames);
  w.put(a.loudness_window_s);
  w.put<std::uint64_t>(a.loudness_db.size());
  for (float v : a.loudness_db)
    w.put(v);
  w.put<std::uint64_t>(a.skipped.size());
  for (const TimeRange& r : a.skipped) {
    w.put(r.start_s);
    w.put(r.end_s);
  }
  return w.take();
}

std::optional<Analysis> deserialize(std::string_view bytes) {
  BinaryReader r(bytes);
  Analysis a;
  std::uint32_t magic = 0, version = 0;
  std::int32_t width = 0, height = 0, chunks = 0;
  std::uint8_t has_audio = 0;
  std::uint64_t n = 0;
  if (!r.get(magic) || magic != kMagic || !r.get(version) || version != kVersion) return {};
  if (!r.get_string(a.info.path) || !r.get_string(a.info.video_codec) ||
      !r.get(a.info.duration_s) || !r.get(a.info.fps) || !r.get(width) || !r.get(height) ||
      !r.get(a.info.frames) || !r.get(has_audio) || !r.get(chunks) || !get_frames(r, a.frames)) {
    return {};
  }
  a.info.width = width;
  a.info.height = height;
  a.info.has_audio = has_audio != 0;
  a.chunks = chunks;
  if (!r.get(a.loudness_window_s) || !r.get(n) || !r.fits(n, sizeof(float))) return {};
  a.loudness_db.resize(n);
  for (float& v : a.loudness_db) {
    if (!r.get(v)) return {};
  }
  if (!r.get(n) || !r.fits(n, 2 * sizeof(double))) return {};
  a.skipped.resize(n);
  for (TimeRange& t : a.skipped) {
    if (!r.get(t.start_s) || !r.get(t.end_s)) return {};
  }
  if (!r.done()) return {};
  return a;
}

}  // namespace opusperf::video
