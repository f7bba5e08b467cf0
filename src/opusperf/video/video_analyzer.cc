#include "opusperf/video/video_analyzer.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <map>
#include <thread>

#include "opusperf/core/errors.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace opusperf::video {
namespace {

constexpr std::int64_t kNoBound = std::numeric_limits<std::int64_t>::min();
// Frames decoded past a chunk's end before it stops (see analyze_chunk).
constexpr int kFramesPastEnd = 4;

struct Chunk {
  std::int64_t begin = kNoBound;  // first video pts (inclusive), kNoBound = from the start
  std::int64_t end = kNoBound;    // last video pts (exclusive), kNoBound = to the end
};

struct AudioSum {
  double sum_squares = 0;
  std::uint64_t samples = 0;
};

struct ChunkResult {
  std::vector<FrameFeatures> frames;  // ts in [begin, end), then up to kFramesPastEnd beyond
  // The small images of frames[tail_from ..]: the last frame before end and those past it, one of
  // which the join keeps as the chunk's last.
  std::size_t tail_from = 0;
  std::vector<LumaImage> tail;
  LumaImage first;
  std::map<std::size_t, AudioSum> audio;  // by loudness window
  std::vector<double> damaged;
  bool read_error = false;
};

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

ChunkResult analyze_chunk(const std::filesystem::path& path, const Chunk& chunk, double window_s,
                          std::atomic<std::uint64_t>* frames_done) {
  MediaSource src(path, {.decode_audio = true,
                         .threads = 1,
                         .fast_decode = true,
                         .min_decoded_width = 2 * kFeatureWidth,
                         .pooled_frames = true});
  const double tick = src.video_tick_s();
  if (chunk.begin != kNoBound) src.seek(chunk.begin);
  const double begin_s = chunk.begin == kNoBound ? -1e300 : chunk.begin * tick;
  const double end_s = chunk.end == kNoBound ? 1e300 : chunk.end * tick;
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
      if (chunk.begin != kNoBound && ts < chunk.begin) continue;
      // Frames past the end are kept too: the join decides where this chunk stops. With delayed
      // output (packed B-frames in AVI) the next chunk's keyframe may display after frames that
      // only this chunk decodes, so a cut at the keyframe's packet would lose them.
      const bool past_end = chunk.end != kNoBound && ts >= chunk.end;
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

// Splits at keyframes into chunks of at least `target_s` seconds.
std::vector<Chunk> plan_chunks(const std::vector<std::int64_t>& keys, double tick,
                               double target_s) {
  std::vector<Chunk> chunks(1);
  if (keys.size() < 2) return chunks;
  double last_s = keys.front() * tick;
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i] * tick - last_s >= target_s) {
      chunks.back().end = keys[i];
      chunks.push_back({keys[i], kNoBound});
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

}  // namespace

Analysis analyze_video(const std::filesystem::path& path, const AnalyzeOptions& options) {
  Analysis a;
  std::vector<Chunk> chunks;
  {
    MediaSource probe(path, {.decode_audio = false});
    a.info = probe.info();
    std::vector<std::int64_t> keys = probe.indexed_keyframes();
    if (keys.size() < 2) keys = probe.scan_keyframes();
    const unsigned threads = std::max(1u, options.threads);
    const double target =
        std::max(options.min_chunk_s,
                 a.info.duration_s / (threads * std::max(1u, options.chunks_per_thread)));
    chunks = threads == 1 ? std::vector<Chunk>(1) : plan_chunks(keys, probe.video_tick_s(), target);
  }
  a.chunks = static_cast<int>(chunks.size());
  std::vector<ChunkResult> results(chunks.size());
  std::vector<std::exception_ptr> errors(chunks.size());
  const auto run_chunk = [&](std::size_t i) {
    try {
      results[i] = analyze_chunk(path, chunks[i], a.loudness_window_s, options.frames_done);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  if (options.submit) {
    std::vector<std::future<void>> done;
    for (std::size_t i = 0; i < chunks.size(); ++i)
      done.push_back(options.submit([&run_chunk, i] { run_chunk(i); }));
    for (std::future<void>& f : done)
      f.get();
  } else {
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < chunks.size();)
        run_chunk(i);
    };
    const unsigned n_threads =
        std::min<unsigned>(std::max(1u, options.threads), static_cast<unsigned>(chunks.size()));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < n_threads; ++t)
      pool.emplace_back(work);
    work();
    for (std::thread& t : pool)
      t.join();
  }
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }

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

}  // namespace opusperf::video
