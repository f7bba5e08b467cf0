#include "opusperf/video/synthetic_video.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "opusperf/core/errors.h"
#include "opusperf/video/libav.h"

namespace opusperf::video {
namespace {

CodecContextPtr open_encoder(AVCodecID id, AVFormatContext* out,
                             void (*setup)(AVCodecContext*, const SyntheticVideoSpec&),
                             const SyntheticVideoSpec& spec) {
  const AVCodec* codec = avcodec_find_encoder(id);
  if (codec == nullptr)
    throw RuntimeError(std::string("synthetic video: no encoder for ") + avcodec_get_name(id));
  CodecContextPtr c(avcodec_alloc_context3(codec));
  if (!c) throw std::bad_alloc();
  setup(c.get(), spec);
  c->thread_count = 1;  // deterministic output
  if (out->oformat->flags & AVFMT_GLOBALHEADER) c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check_av(avcodec_open2(c.get(), codec, nullptr), "synthetic video: opening encoder");
  return c;
}

int shot_of(double t, const std::vector<double>& cuts) {
  int s = 0;
  for (double c : cuts)
    s += t >= c ? 1 : 0;
  return s;
}

}  // namespace

void write_synthetic_video(const std::filesystem::path& file, const SyntheticVideoSpec& spec) {
  AVFormatContext* raw = nullptr;
  check_av(avformat_alloc_output_context2(&raw, nullptr, "mp4", file.c_str()),
           "synthetic video: muxer");
  FormatOutputPtr out(raw);
  CodecContextPtr venc = open_encoder(
      AV_CODEC_ID_MPEG4, out.get(),
      [](AVCodecContext* c, const SyntheticVideoSpec& s) {
        c->width = s.width;
        c->height = s.height;
        c->pix_fmt = AV_PIX_FMT_YUV420P;
        c->time_base = {1, s.fps};
        c->framerate = {s.fps, 1};
        c->gop_size = s.fps;  // a keyframe a second: chunks to split at
        c->max_b_frames = 0;
        c->bit_rate = 1'500'000;
      },
      spec);
  CodecContextPtr aenc = open_encoder(
      AV_CODEC_ID_AAC, out.get(),
      [](AVCodecContext* c, const SyntheticVideoSpec& s) {
        c->sample_fmt = AV_SAMPLE_FMT_FLTP;
        c->sample_rate = s.audio_rate;
        av_channel_layout_default(&c->ch_layout, 1);
        c->bit_rate = 96000;
        c->time_base = {1, s.audio_rate};
      },
      spec);
  AVStream* vs = avformat_new_stream(out.get(), nullptr);
  AVStream* as = avformat_new_stream(out.get(), nullptr);
  if (vs == nullptr || as == nullptr) throw std::bad_alloc();
  check_av(avcodec_parameters_from_context(vs->codecpar, venc.get()), "synthetic video: stream");
  check_av(avcodec_parameters_from_context(as->codecpar, aenc.get()), "synthetic video: stream");
  vs->time_base = venc->time_base;
  as->time_base = aenc->time_base;
  check_av(avio_open(&out->pb, file.c_str(), AVIO_FLAG_WRITE),
           "synthetic video: opening " + file.string());
  check_av(avformat_write_header(out.get(), nullptr), "synthetic video: header");

  const int frames = static_cast<int>(spec.duration_s * spec.fps);
  const int audio_frame = aenc->frame_size > 0 ? aenc->frame_size : 1024;
  std::int64_t audio_pts = 0;
  std::uint32_t noise = 12345;
  const int sq = spec.height / 6;
  for (int i = 0; i < frames; ++i) {
    const double t = static_cast<double>(i) / spec.fps;
    const int shot = shot_of(t + 1e-9, spec.cuts_s);
    FramePtr f = make_frame();
    f->width = spec.width;
    f->height = spec.height;
    f->format = AV_PIX_FMT_YUV420P;
    check_av(av_frame_get_buffer(f.get(), 0), "synthetic video: frame");
    const int base = 40 + (shot * 67) % 170;
    const bool vertical = shot % 2 == 1;
    // The square contrasts with every background, so its movement always shows.
    const int square = base > 110 ? 16 : 235;
    // The square crosses the frame once a shot-length or so; shots differ in speed.
    const int speed = 3 + 3 * (shot % 3);
    const int span = spec.width - sq;
    const int pos = (i * speed) % (2 * span);
    const int sx = pos < span ? pos : 2 * span - pos;
    const int sy = spec.height / 2 - sq / 2 + static_cast<int>(40 * std::sin(i * 0.1));
    for (int y = 0; y < spec.height; ++y) {
      std::uint8_t* row = f->data[0] + static_cast<std::ptrdiff_t>(y) * f->linesize[0];
      for (int x = 0; x < spec.width; ++x) {
        const int g = vertical ? y * 50 / spec.height : x * 50 / spec.width;
        const bool in_square = x >= sx && x < sx + sq && y >= sy && y < sy + sq;
        row[x] = static_cast<std::uint8_t>(in_square ? square : base + g);
      }
    }
    for (int p = 1; p < 3; ++p) {
      const int v = 128 + (p == 1 ? 1 : -1) * ((shot * 37) % 80 - 40);
      for (int y = 0; y < spec.height / 2; ++y) {
        std::memset(f->data[p] + static_cast<std::ptrdiff_t>(y) * f->linesize[p], v,
                    static_cast<std::size_t>(spec.width / 2));
      }
    }
    f->pts = i;
    encode_and_write(venc.get(), f.get(), out.get(), vs, 1);
    // Audio up to the end of this frame.
    const std::int64_t audio_end = static_cast<std::int64_t>((i + 1)) * spec.audio_rate / spec.fps;
    while (audio_pts + audio_frame <= audio_end) {
      FramePtr a = make_frame();
      a->nb_samples = audio_frame;
      a->format = AV_SAMPLE_FMT_FLTP;
      a->sample_rate = spec.audio_rate;
      check_av(av_channel_layout_copy(&a->ch_layout, &aenc->ch_layout), "synthetic video: audio");
      check_av(av_frame_get_buffer(a.get(), 0), "synthetic video: audio");
      auto* s = reinterpret_cast<float*>(a->data[0]);
      for (int k = 0; k < audio_frame; ++k) {
        const double ts = static_cast<double>(audio_pts + k) / spec.audio_rate;
        bool loud = false;
        for (const TimeRange& r : spec.loud)
          loud = loud || (ts >= r.start_s && ts < r.end_s);
        noise = noise * 1664525u + 1013904223u;
        const double n = (static_cast<double>(noise >> 8) / (1 << 24)) * 2 - 1;
        s[k] = static_cast<float>(loud ? 0.5 * n + 0.2 * std::sin(2 * M_PI * 220 * ts)
                                       : 0.03 * std::sin(2 * M_PI * 440 * ts));
      }
      a->pts = audio_pts;
      audio_pts += audio_frame;
      encode_and_write(aenc.get(), a.get(), out.get(), as, audio_frame);
    }
  }
  encode_and_write(venc.get(), nullptr, out.get(), vs, 1);
  encode_and_write(aenc.get(), nullptr, out.get(), as, audio_frame);
  check_av(av_write_trailer(out.get()), "synthetic video: trailer");
}

}  // namespace opusperf::video
