#include "opusperf/video/chunk_analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "opusperf/core/errors.h"
#include "opusperf/video/binary_codec.h"
#include "opusperf/video/frame_codec.h"
#include "opusperf/video/media_source.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace opusperf::video {
namespace {

// Frames decoded past a chunk's end before it stops (see analyze_chunk).
constexpr int kFramesPastEnd = 4;
constexpr std::uint32_t kChunkMagic = 0x4f504348;  // "OPCH"
constexpr std::uint32_t kChunkVersion = 1;

// True when plane 0 of `format` is an 8-bit luma plane we can average directly.
bool has_luma_plane(AVPixelFormat format) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(format);
  if (d == nullptr) return false;
  if ((d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
                   AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BAYER)) != 0) {
    return false;
  }
  return d->comp[0].plane == 0 && d->comp[0].depth == 8 && d->comp[0].step == 1;
}

// Downscaled luma of a decoded frame of any pixel format.
class LumaExtractor {
 public:
  LumaImage operator()(const AVFrame* f) {
    const auto format = static_cast<AVPixelFormat>(f->format);
    if (has_luma_plane(format))
      return downscale_luma(f->data[0], f->linesize[0], f->width, f->height);
    // Other formats (RGB, palettes, high bit depth): let swscale make the grey image.
    const int ow = std::min(kFeatureWidth, f->width);
    const int oh = std::max(1, f->height * ow / f->width);
    sws_.reset(sws_getCachedContext(sws_.release(), f->width, f->height, format, ow, oh,
                                    AV_PIX_FMT_GRAY8, SWS_AREA, nullptr, nullptr, nullptr));
    if (!sws_)
      throw RuntimeError("cannot convert pixel format " + std::string(av_get_pix_fmt_name(format)));
    LumaImage out{ow, oh, std::vector<std::uint8_t>(static_cast<std::size_t>(ow) * oh)};
    std::uint8_t* dst[4] = {out.pixels.data(), nullptr, nullptr, nullptr};
    int dst_stride[4] = {ow, 0, 0, 0};
    sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, dst, dst_stride);
    return out;
  }

 private:
  SwsPtr sws_;
};

// Adds the squares of every sample of an audio frame (all channels) to `sum`.
void add_audio(const AVFrame* f, AudioSum& sum) {
  const auto format = static_cast<AVSampleFormat>(f->format);
  const int channels = f->ch_layout.nb_channels;
  const bool planar = av_sample_fmt_is_planar(format) != 0;
  const AVSampleFormat packed = av_get_packed_sample_fmt(format);
  const int planes = planar ? channels : 1;
  const int per_plane = planar ? f->nb_samples : f->nb_samples * channels;
  double acc = 0;
  for (int p = 0; p < planes; ++p) {
    const std::uint8_t* d = f->extended_data[p];
    for (int i = 0; i < per_plane; ++i) {
      double v = 0;
      switch (packed) {
        case AV_SAMPLE_FMT_U8:
          v = (reinterpret_cast<const std::uint8_t*>(d)[i] - 128) / 128.0;
          break;
        case AV_SAMPLE_FMT_S16:
          v = reinterpret_cast<const std::int16_t*>(d)[i] / 32768.0;
          break;
        case AV_SAMPLE_FMT_S32:
          v = reinterpret_cast<const std::int32_t*>(d)[i] / 2147483648.0;
          break;
        case AV_SAMPLE_FMT_FLT:
          v = reinterpret_cast<const float*>(d)[i];
          break;
        case AV_SAMPLE_FMT_DBL:
          v = reinterpret_cast<const double*>(d)[i];
          break;
        default:
          return;  // S64 and unknown formats: no loudness
      }
      acc += v * v;
    }
  }
  sum.sum_squares += acc;
  sum.samples += static_cast<std::uint64_t>(f->nb_samples) * channels;
}

// Splits at keyframes into chunks of at least `target_s` seconds.
std::vector<ChunkSpan> split_at_keyframes(const std::vector<std::int64_t>& keys, double tick,
                                          double target_s) {
  std::vector<ChunkSpan> chunks(1);
  if (keys.size() < 2) return chunks;
  double last_s = keys.front() * tick;
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i] * tick - last_s >= target_s) {
      chunks.back().end = keys[i];
      chunks.push_back({keys[i], kOpenBound});
      last_s = keys[i] * tick;
    }
  }
  return chunks;
}

// Merges damage times (seconds, any order) into ranges of frames.
std::vector<TimeRange> damage_ranges(std::vector<double> times, double frame_s) {
  std::sort(times.begin(), times.end());
  std::vector<TimeRange> out;
  for (double t : times) {
    if (!out.empty() && t <= out.back().end_s + frame_s) {
      out.back().end_s = std::max(out.back().end_s, t + frame_s);
    } else {
      out.push_back({t, t + frame_s});
    }
  }
  return out;
}

void put_image(BinaryWriter& w, const LumaImage& img) {
  w.put<std::int32_t>(img.width);
  w.put<std::int32_t>(img.height);
  w.put_string(
      std::string_view(reinterpret_cast<const char*>(img.pixels.data()), img.pixels.size()));
}

bool get_image(BinaryReader& r, LumaImage& img) {
  std::int32_t w = 0, h = 0;
  std::string px;
  if (!r.get(w) || !r.get(h) || !r.get_string(px)) return false;
  if (w < 0 || h < 0 || px.size() != static_cast<std::size_t>(w) * static_cast<std::size_t>(h))
    return false;
  img.width = w;
  img.height = h;
  img.pixels.assign(px.begin(), px.end());
  return true;
}

}  // namespace

ChunkPlan plan_chunks(const std::filesystem::path& path, const ChunkPlanOptions& options) {
  ChunkPlan plan;
  MediaSource probe(path, {.decode_audio = false});
  plan.info = probe.info();
  std::vector<std::int64_t> keys = probe.indexed_keyframes();
  if (keys.size() < 2) keys = probe.scan_keyframes();
  const unsigned threads = std::max(1u, options.threads);
  double target = plan.info.duration_s / (threads * std::max(1u, options.chunks_per_thread));
  if (options.max_chunk_s > 0) target = std::min(target, options.max_chunk_s);
  target = std::max(options.min_chunk_s, target);
  plan.chunks = threads == 1 && options.max_chunk_s <= 0
                    ? std::vector<ChunkSpan>(1)
                    : split_at_keyframes(keys, probe.video_tick_s(), target);
  return plan;
}

ChunkResult analyze_chunk(const std::filesystem::path& path, const ChunkSpan& chunk,
                          double window_s, std::atomic<std::uint64_t>* frames_done) {
  MediaSource src(path, {.decode_audio = true,
                         .threads = 1,
                         .fast_decode = true,
                         .min_decoded_width = 2 * kFeatureWidth,
                         .pooled_frames = true});
  const double tick = src.video_tick_s();
  if (chunk.begin != kOpenBound) src.seek(chunk.begin);
  const double begin_s = chunk.begin == kOpenBound ? -1e300 : chunk.begin * tick;
  const double end_s = chunk.end == kOpenBound ? 1e300 : chunk.end * tick;
  ChunkResult out;
  LumaExtractor luma;
  LumaImage previous;
  bool video_done = false;
  int frames_past_end = 0;
  int audio_after_video = 0;
  double last_time = 0;
  StreamKind kind;
  while (const AVFrame* f = src.next(&kind)) {
    if (kind == StreamKind::kVideo) {
      if (video_done) continue;
      std::int64_t ts =
          f->best_effort_timestamp != AV_NOPTS_VALUE ? f->best_effort_timestamp : f->pts;
      if (ts == AV_NOPTS_VALUE)
        ts = out.frames.empty() ? 0 : static_cast<std::int64_t>(last_time / tick) + 1;
      if (chunk.begin != kOpenBound && ts < chunk.begin) continue;
      // Frames past the end are kept too: the join decides where this chunk stops. With delayed
      // output (packed B-frames in AVI) the next chunk's keyframe may display after frames that
      // only this chunk decodes, so a cut at the keyframe's packet would lose them.
      const bool past_end = chunk.end != kOpenBound && ts >= chunk.end;
      if (past_end && ++frames_past_end > kFramesPastEnd) {
        video_done = true;
        if (!src.audio_decoder()) break;
        continue;
      }
      LumaImage current = luma(f);
      FrameFeatures feat = compare_frames(previous, current);
      feat.time_s = ts * tick;
      last_time = feat.time_s;
      out.frames.push_back(feat);
      if (out.first.empty()) out.first = current;
      if (past_end) {
        if (out.tail.empty()) {  // the first frame past the end: keep the one before it too
          const bool has_before = out.frames.size() >= 2;
          out.tail_from = out.frames.size() - (has_before ? 2 : 1);
          if (has_before) out.tail.push_back(previous);
        }
        out.tail.push_back(current);
      }
      previous = std::move(current);
      if (frames_done) frames_done->fetch_add(1, std::memory_order_relaxed);
    } else {
      const double t = src.frame_time_s(f, kind);
      if (video_done && (t >= end_s || ++audio_after_video > 64)) break;
      if (t < 0 || t < begin_s || t >= end_s) continue;
      add_audio(f, out.audio[static_cast<std::size_t>(t / window_s)]);
    }
  }
  if (out.tail.empty() && !out.frames.empty()) {  // no frame past the end: the last is the tail
    out.tail_from = out.frames.size() - 1;
    out.tail.push_back(std::move(previous));
  }
  for (double t : src.damaged_times())
    out.damaged.push_back(t < 0 ? last_time : t);
  out.read_error = src.read_error();
  return out;
}

Analysis join_chunks(MediaInfo info, double loudness_window_s, std::vector<ChunkResult> results) {
  Analysis a;
  a.info = std::move(info);
  a.loudness_window_s = loudness_window_s;
  a.chunks = static_cast<int>(results.size());
  // Join: the first frame of each chunk is compared with the last frame of the one before.
  std::map<std::size_t, AudioSum> audio;
  std::vector<double> damaged;
  const LumaImage* previous_last = nullptr;
  bool read_error = false;
  for (std::size_t i = 0; i < results.size(); ++i) {
    ChunkResult& r = results[i];
    // A chunk ends where the next one's first decoded frame begins (its frames past its own end
    // fill any gap the keyframe's display delay leaves; the rest are the next chunk's).
    const ChunkResult* next = nullptr;
    for (std::size_t j = i + 1; j < results.size() && next == nullptr; ++j)
      if (!results[j].frames.empty()) next = &results[j];
    if (next != nullptr) {
      const double next_begin = next->frames.front().time_s;
      std::size_t keep = r.frames.size();
      while (keep > 0 && r.frames[keep - 1].time_s >= next_begin)
        --keep;
      r.frames.resize(keep);
    }
    if (!r.frames.empty()) {
      if (previous_last != nullptr && !previous_last->empty()) {
        const double t = r.frames.front().time_s;
        r.frames.front() = compare_frames(*previous_last, r.first);
        r.frames.front().time_s = t;
      }
      a.frames.insert(a.frames.end(), r.frames.begin(), r.frames.end());
      previous_last = &r.tail[r.frames.size() - 1 - r.tail_from];
    }
    for (const auto& [w, s] : r.audio) {
      audio[w].sum_squares += s.sum_squares;
      audio[w].samples += s.samples;
    }
    damaged.insert(damaged.end(), r.damaged.begin(), r.damaged.end());
    read_error = read_error || r.read_error;
  }
  if (a.frames.empty()) {
    throw InputError(a.info.path + ": no video frame could be decoded (damaged or not a video)");
  }
  const double frame_s = 1.0 / a.info.fps;
  a.skipped = damage_ranges(std::move(damaged), frame_s);
  const double last_end = a.frames.back().time_s + frame_s;
  if (read_error || last_end + 2 * frame_s < a.info.duration_s) {
    // Decoding stopped before the container's stated end: a truncated or unreadable tail.
    if (a.info.duration_s > last_end) a.skipped.push_back({last_end, a.info.duration_s});
  }
  if (!audio.empty()) {
    a.loudness_db.assign(audio.rbegin()->first + 1, Analysis::kSilenceDb);
    for (const auto& [w, s] : audio) {
      if (s.samples == 0) continue;
      const double mean = s.sum_squares / static_cast<double>(s.samples);
      a.loudness_db[w] =
          mean > 1e-10 ? static_cast<float>(10.0 * std::log10(mean)) : Analysis::kSilenceDb;
    }
  }
  a.info.frames = static_cast<std::int64_t>(a.frames.size());
  return a;
}

std::string chunk_cache_key(std::string_view content_key, const ChunkSpan& span,
                            double loudness_window_s) {
  const auto bound = [](std::int64_t v) {
    return v == kOpenBound ? std::string("open") : std::to_string(v);
  };
  return fmt::format("{}:chunk:{}:{}:w{}:v{}", content_key, bound(span.begin), bound(span.end),
                     loudness_window_s, kChunkVersion);
}

std::string serialize(const ChunkResult& c) {
  BinaryWriter w;
  w.put(kChunkMagic);
  w.put(kChunkVersion);
  put_frames(w, c.frames);
  w.put<std::uint64_t>(c.tail_from);
  w.put<std::uint64_t>(c.tail.size());
  for (const LumaImage& img : c.tail)
    put_image(w, img);
  put_image(w, c.first);
  w.put<std::uint64_t>(c.audio.size());
  for (const auto& [window, sum] : c.audio) {
    w.put(window);
    w.put(sum.sum_squares);
    w.put(sum.samples);
  }
  w.put<std::uint64_t>(c.damaged.size());
  for (double t : c.damaged)
    w.put(t);
  w.put<std::uint8_t>(c.read_error ? 1 : 0);
  return w.take();
}

std::optional<ChunkResult> deserialize_chunk(std::string_view bytes) {
  BinaryReader r(bytes);
  ChunkResult c;
  std::uint32_t magic = 0, version = 0;
  std::uint64_t n = 0, tail_from = 0;
  if (!r.get(magic) || magic != kChunkMagic || !r.get(version) || version != kChunkVersion ||
      !get_frames(r, c.frames)) {
    return {};
  }
  if (!r.get(tail_from) || !r.get(n) || !r.fits(n, 3 * sizeof(std::int32_t))) return {};
  c.tail_from = tail_from;
  c.tail.resize(n);
  for (LumaImage& img : c.tail) {
    if (!get_image(r, img)) return {};
  }
  // The join reads tail[frames.size() - 1 - tail_from]: reject encodings where that is out of
  // range.
  if (!c.frames.empty() &&
      (c.tail_from >= c.frames.size() || c.tail.size() < c.frames.size() - c.tail_from))
    return {};
  if (!get_image(r, c.first) || !r.get(n) || !r.fits(n, 3 * sizeof(std::uint64_t))) return {};
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t window = 0;
    AudioSum sum;
    if (!r.get(window) || !r.get(sum.sum_squares) || !r.get(sum.samples)) return {};
    c.audio[window] = sum;
  }
  if (!r.get(n) || !r.fits(n, sizeof(double))) return {};
  c.damaged.resize(n);
  for (double& t : c.damaged) {
    if (!r.get(t)) return {};
  }
  std::uint8_t read_error = 0;
  if (!r.get(read_error) || !r.done()) return {};
  c.read_error = read_error != 0;
  return c;
}

}  // namespace opusperf::video
