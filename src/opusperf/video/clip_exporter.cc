#include "opusperf/video/clip_exporter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "opusperf/core/atomic_file.h"
#include "opusperf/core/errors.h"
#include "opusperf/video/media_source.h"

namespace opusperf::video {
namespace {

CodecContextPtr alloc_encoder(const AVCodec* codec) {
  CodecContextPtr c(avcodec_alloc_context3(codec));
  if (!c) throw std::bad_alloc();
  return c;
}

FramePtr alloc_picture(int w, int h, AVPixelFormat format) {
  FramePtr f = make_frame();
  f->width = w;
  f->height = h;
  f->format = format;
  check_av(av_frame_get_buffer(f.get(), 0), "frame buffer");
  return f;
}

void write_jpeg(const AVFrame* picture, const std::filesystem::path& file) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) throw RuntimeError("libavcodec has no JPEG encoder");
  const int w = std::min(640, picture->width) & ~1;
  const int h =
      std::max(2, static_cast<int>(static_cast<long>(picture->height) * w / picture->width) & ~1);
  SwsPtr sws(sws_getContext(picture->width, picture->height,
                            static_cast<AVPixelFormat>(picture->format), w, h, AV_PIX_FMT_YUVJ420P,
                            SWS_BICUBIC, nullptr, nullptr, nullptr));
  if (!sws) throw RuntimeError("thumbnail: cannot convert picture");
  FramePtr jpeg_frame = alloc_picture(w, h, AV_PIX_FMT_YUVJ420P);
  sws_scale(sws.get(), picture->data, picture->linesize, 0, picture->height, jpeg_frame->data,
            jpeg_frame->linesize);
  CodecContextPtr enc = alloc_encoder(codec);
  enc->width = w;
  enc->height = h;
  enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
  enc->time_base = {1, 25};
  enc->flags |= AV_CODEC_FLAG_QSCALE;
  enc->global_quality = FF_QP2LAMBDA * 3;
  jpeg_frame->quality = enc->global_quality;
  check_av(avcodec_open2(enc.get(), codec, nullptr), "thumbnail encoder");
  check_av(avcodec_send_frame(enc.get(), jpeg_frame.get()), "thumbnail encoding");
  check_av(avcodec_send_frame(enc.get(), nullptr), "thumbnail encoding");
  PacketPtr pkt = make_packet();
  check_av(avcodec_receive_packet(enc.get(), pkt.get()), "thumbnail encoding");
  write_file_atomically(file, std::string_view(reinterpret_cast<const char*>(pkt->data),
                                               static_cast<std::size_t>(pkt->size)));
}

const AVCodec* find_video_encoder() {
  if (const AVCodec* c = avcodec_find_encoder_by_name("libx264")) return c;
  if (const AVCodec* c = avcodec_find_encoder(AV_CODEC_ID_H264)) return c;
  return avcodec_find_encoder(AV_CODEC_ID_MPEG4);
}

int pick_sample_rate(const AVCodec* codec, int wanted) {
  if (codec->supported_samplerates == nullptr) return wanted;
  for (const int* r = codec->supported_samplerates; *r != 0; ++r) {
    if (*r == wanted) return wanted;
  }
  return 48000;
}

}  // namespace

ExportResult export_clip(const ExportRequest& req) {
  // One decoder thread: libavcodec's frame threads hand buffers between threads in ways
  // ThreadSanitizer cannot follow, and the encoder, not the decoder, is the cost here.
  MediaSource src(req.source, {.decode_audio = true, .threads = 1});
  const MediaInfo& info = src.info();
  AVStream* in_video = src.video_stream();
  AVRational rate = av_guess_frame_rate(nullptr, in_video, nullptr);
  if (rate.num <= 0 || rate.den <= 0) rate = av_d2q(info.fps, 1001000);
  const double fps = av_q2d(rate);
  const int src_w = info.width & ~1;
  const int src_h = info.height & ~1;
  int out_w = src_w, out_h = src_h, crop_y = 0;
  if (req.reframe_9_16) {
    // Exact 9:16 with even sides: 18k x 32k, as large as fits.
    const int k = std::min(src_h / 32, src_w / 18);
    if (k < 1) throw InputError(info.path + ": too small to reframe to 9:16");
    out_w = 18 * k;
    out_h = 32 * k;
    crop_y = ((src_h - out_h) / 2) & ~1;
  }

  AVFormatContext* raw = nullptr;
  check_av(avformat_alloc_output_context2(&raw, nullptr, "mp4", req.video_out.c_str()),
           "mp4 muxer");
  FormatOutputPtr out(raw);
  ExportResult result;

  const AVCodec* vcodec = find_video_encoder();
  if (vcodec == nullptr) throw RuntimeError("libavcodec has no H.264 or MPEG-4 encoder");
  result.encoder = vcodec->name;
  CodecContextPtr venc = alloc_encoder(vcodec);
  venc->width = out_w;
  venc->height = out_h;
  venc->pix_fmt = AV_PIX_FMT_YUV420P;
  venc->time_base = av_inv_q(rate);
  venc->framerate = rate;
  venc->gop_size = std::max(1, static_cast<int>(2 * fps));
  venc->thread_count = req.encoder_threads;
  if (vcodec->id != AV_CODEC_ID_H264) venc->bit_rate = 4'000'000;
  if (out->oformat->flags & AVFMT_GLOBALHEADER) venc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  AVDictionary* opts = nullptr;
  if (std::strcmp(vcodec->name, "libx264") == 0) {
    av_dict_set(&opts, "preset", "veryfast", 0);
    av_dict_set(&opts, "crf", "21", 0);
  }
  const int open_r = avcodec_open2(venc.get(), vcodec, &opts);
  av_dict_free(&opts);
  check_av(open_r, std::string("opening encoder ") + vcodec->name);
  AVStream* out_video = avformat_new_stream(out.get(), nullptr);
  if (out_video == nullptr) throw std::bad_alloc();
  check_av(avcodec_parameters_from_context(out_video->codecpar, venc.get()), "video stream");
  out_video->time_base = venc->time_base;
  out_video->avg_frame_rate = rate;

  CodecContextPtr aenc;
  AVStream* out_audio = nullptr;
  SwrPtr swr;
  AudioFifoPtr fifo;
  AVCodecContext* adec = src.audio_decoder();
  const AVCodec* acodec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (adec != nullptr && acodec != nullptr && adec->sample_rate > 0 &&
      adec->ch_layout.nb_channels > 0) {
    aenc = alloc_encoder(acodec);
    aenc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    aenc->sample_rate = pick_sample_rate(acodec, adec->sample_rate);
    av_channel_layout_default(&aenc->ch_layout, std::min(2, adec->ch_layout.nb_channels));
    aenc->bit_rate = 128000;
    aenc->time_base = {1, aenc->sample_rate};
    if (out->oformat->flags & AVFMT_GLOBALHEADER) aenc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    check_av(avcodec_open2(aenc.get(), acodec, nullptr), "opening AAC encoder");
    out_audio = avformat_new_stream(out.get(), nullptr);
    if (out_audio == nullptr) throw std::bad_alloc();
    check_av(avcodec_parameters_from_context(out_audio->codecpar, aenc.get()), "audio stream");
    out_audio->time_base = aenc->time_base;
    SwrContext* s = nullptr;
    check_av(swr_alloc_set_opts2(&s, &aenc->ch_layout, aenc->sample_fmt, aenc->sample_rate,
                                 &adec->ch_layout, adec->sample_fmt, adec->sample_rate, 0, nullptr),
             "audio resampler");
    swr.reset(s);
    check_av(swr_init(swr.get()), "audio resampler");
    fifo.reset(av_audio_fifo_alloc(aenc->sample_fmt, aenc->ch_layout.nb_channels, 4096));
    if (!fifo) throw std::bad_alloc();
    result.audio = true;
  }

  check_av(avio_open(&out->pb, req.video_out.c_str(), AVIO_FLAG_WRITE),
           "opening " + req.video_out.string());
  check_av(avformat_write_header(out.get(), nullptr), "writing clip header");

  const std::int64_t target_frames =
      std::max<std::int64_t>(1, std::llround((req.end_s - req.start_s) * fps));
  const double half_frame = 0.5 / fps;
  const double mid_s = req.start_s + (req.end_s - req.start_s) / 2;
  src.seek(static_cast<std::int64_t>(std::floor((req.start_s - half_frame) / src.video_tick_s())));

  std::int64_t frames = 0;
  std::int64_t audio_wanted =
      aenc ? std::llround((req.end_s - req.start_s) * aenc->sample_rate) : 0;
  std::int64_t audio_queued = 0;
  std::int64_t audio_pts = 0;
  bool video_done = false;
  bool audio_done = !aenc;
  double centre = -1;
  FramePtr full = req.reframe_9_16 ? alloc_picture(src_w, src_h, AV_PIX_FMT_YUV420P) : nullptr;
  FramePtr thumbnail;
  SwsPtr sws;
  const int frame_size = aenc && aenc->frame_size > 0 ? aenc->frame_size : 1024;

  const auto drain_audio = [&](bool final) {
    while (av_audio_fifo_size(fifo.get()) >= frame_size ||
           (final && av_audio_fifo_size(fifo.get()) > 0)) {
      const int n = std::min(frame_size, av_audio_fifo_size(fifo.get()));
      FramePtr af = make_frame();
      af->nb_samples = n;
      af->format = aenc->sample_fmt;
      af->sample_rate = aenc->sample_rate;
      check_av(av_channel_layout_copy(&af->ch_layout, &aenc->ch_layout), "audio layout");
      check_av(av_frame_get_buffer(af.get(), 0), "audio buffer");
      av_audio_fifo_read(fifo.get(), reinterpret_cast<void**>(af->data), n);
      af->pts = audio_pts;
      audio_pts += n;
      encode_and_write(aenc.get(), af.get(), out.get(), out_audio, n);
    }
  };

  StreamKind kind;
  while (const AVFrame* f = src.next(&kind)) {
    if (video_done && audio_done) break;
    const double t = src.frame_time_s(f, kind);
    if (kind == StreamKind::kVideo) {
      if (video_done || t < req.start_s - half_frame) continue;
      sws.reset(sws_getCachedContext(sws.release(), f->width, f->height,
                                     static_cast<AVPixelFormat>(f->format), src_w, src_h,
                                     AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr));
      if (!sws) throw RuntimeError("clip: cannot convert the source pixel format");
      FramePtr pic = alloc_picture(out_w, out_h, AV_PIX_FMT_YUV420P);
      if (!req.reframe_9_16) {
        sws_scale(sws.get(), f->data, f->linesize, 0, f->height, pic->data, pic->linesize);
      } else {
        check_av(av_frame_make_writable(full.get()), "frame buffer");
        sws_scale(sws.get(), f->data, f->linesize, 0, f->height, full->data, full->linesize);
        const double c = req.centroid_x ? std::clamp(req.centroid_x(t), 0.0, 1.0) : 0.5;
        // Smoothed so the crop glides instead of jumping with every frame's motion.
        centre = centre < 0 ? c : 0.92 * centre + 0.08 * c;
        const int x =
            std::clamp(static_cast<int>(centre * src_w) - out_w / 2, 0, src_w - out_w) & ~1;
        for (int p = 0; p < 3; ++p) {
          const int shift = p == 0 ? 0 : 1;
          const int rows = out_h >> shift;
          for (int y = 0; y < rows; ++y) {
            std::memcpy(pic->data[p] + static_cast<std::ptrdiff_t>(y) * pic->linesize[p],
                        full->data[p] +
                            static_cast<std::ptrdiff_t>(y + (crop_y >> shift)) * full->linesize[p] +
                            (x >> shift),
                        static_cast<std::size_t>(out_w >> shift));
          }
        }
      }
      pic->pts = frames;
      if (!thumbnail && (t >= mid_s || frames + 1 >= target_frames))
        thumbnail.reset(av_frame_clone(pic.get()));
      encode_and_write(venc.get(), pic.get(), out.get(), out_video, 1);
      if (++frames >= target_frames) video_done = true;
    } else if (!audio_done && t >= 0) {
      const int capacity = swr_get_out_samples(swr.get(), f->nb_samples);
      FramePtr converted = make_frame();
      converted->nb_samples = capacity;
      converted->format = aenc->sample_fmt;
      converted->sample_rate = aenc->sample_rate;
      check_av(av_channel_layout_copy(&converted->ch_layout, &aenc->ch_layout), "audio layout");
      check_av(av_frame_get_buffer(converted.get(), 0), "audio buffer");
      const int got =
          swr_convert(swr.get(), converted->data, capacity,
                      const_cast<const std::uint8_t**>(f->extended_data), f->nb_samples);
      if (got <= 0) continue;
      const std::int64_t skip =
          std::max<std::int64_t>(0, std::llround((req.start_s - t) * aenc->sample_rate));
      if (skip >= got) continue;
      const std::int64_t take = std::min<std::int64_t>(got - skip, audio_wanted - audio_queued);
      void* planes[8] = {};
      for (int c = 0; c < aenc->ch_layout.nb_channels && c < 8; ++c) {
        planes[c] = converted->data[c] + skip * static_cast<std::int64_t>(sizeof(float));
      }
      av_audio_fifo_write(fifo.get(), planes, static_cast<int>(take));
      audio_queued += take;
      if (audio_queued >= audio_wanted) audio_done = true;
      drain_audio(false);
    }
  }
  if (frames == 0) {
    throw RuntimeError(info.path + ": no frame decoded between " + std::to_string(req.start_s) +
                       " s and " + std::to_string(req.end_s) + " s");
  }
  encode_and_write(venc.get(), nullptr, out.get(), out_video, 1);
  if (aenc) {
    drain_audio(true);
    encode_and_write(aenc.get(), nullptr, out.get(), out_audio, frame_size);
  }
  check_av(av_write_trailer(out.get()), "finishing clip");
  out.reset();

  if (!req.thumbnail_out.empty()) {
    if (!thumbnail) throw RuntimeError("clip: no frame for the thumbnail");
    write_jpeg(thumbnail.get(), req.thumbnail_out);
  }
  result.frames = frames;
  result.duration_s = static_cast<double>(frames) / fps;
  result.width = out_w;
  result.height = out_h;
  return result;
}

}  // namespace opusperf::video
