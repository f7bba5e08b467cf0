#include "opusperf/video/media_source.h"

#include <cerrno>
#include <system_error>

#include "opusperf/core/errors.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

namespace opusperf::video {
namespace fs = std::filesystem;

MediaSource::MediaSource(const fs::path& path, MediaSourceOptions options)
    : packet_(make_packet()), frame_(make_frame()) {
  const std::string name = path.string();
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(name + ": no such file");
  if (fs::is_directory(path, ec)) throw InputError(name + ": is a directory, not a video file");
  if (fs::file_size(path, ec) == 0) throw InputError(name + ": empty file (0 bytes), not a video");
  AVFormatContext* raw = nullptr;
  if (int r = avformat_open_input(&raw, name.c_str(), nullptr, nullptr); r < 0) {
    throw InputError(name + ": not a readable media file (" + av_error(r) + ")");
  }
  fmt_.reset(raw);
  if (int r = avformat_find_stream_info(fmt_.get(), nullptr); r < 0) {
    throw InputError(name + ": cannot read stream information (" + av_error(r) + ")");
  }
  video_index_ = av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video_index_ < 0) throw InputError(name + ": no video stream");
  AVStream* vs = fmt_->streams[video_index_];
  if (vs->codecpar->width <= 0 || vs->codecpar->height <= 0) {
    throw InputError(name + ": video stream has no frame size (not a decodable video)");
  }
  video_.kind = StreamKind::kVideo;
  open_decoder(video_, video_index_, options);
  if (options.decode_audio) {
    const int a = av_find_best_stream(fmt_.get(), AVMEDIA_TYPE_AUDIO, -1, video_index_, nullptr, 0);
    if (a >= 0 && avcodec_find_decoder(fmt_->streams[a]->codecpar->codec_id) != nullptr) {
      audio_index_ = a;
      audio_.kind = StreamKind::kAudio;
      open_decoder(audio_, a, options);
    }
  }
  // Only the chosen streams are demuxed into packets we look at.
  for (unsigned i = 0; i < fmt_->nb_streams; ++i) {
    if (static_cast<int>(i) != video_index_ && static_cast<int>(i) != audio_index_) {
      fmt_->streams[i]->discard = AVDISCARD_ALL;
    }
  }

  info_.path = name;
  const AVRational rate = av_guess_frame_rate(fmt_.get(), vs, nullptr);
  info_.fps = rate.num > 0 && rate.den > 0 ? av_q2d(rate) : 25.0;
  if (fmt_->duration > 0) {
    info_.duration_s = static_cast<double>(fmt_->duration) / AV_TIME_BASE;
  } else if (vs->duration > 0) {
    info_.duration_s = static_cast<double>(vs->duration) * av_q2d(vs->time_base);
  }
  info_.width = vs->codecpar->width;
  info_.height = vs->codecpar->height;
  info_.frames = vs->nb_frames > 0 ? vs->nb_frames
                                   : static_cast<std::int64_t>(info_.duration_s * info_.fps + 0.5);
  info_.has_audio = audio_index_ >= 0;
  info_.video_codec = avcodec_get_name(vs->codecpar->codec_id);
}

namespace {

// Where the planes of a frame the caller allocates go, by libav's rules for such frames (its
// decode.c does the same): dimensions padded by avcodec_align_dimensions2, each line size a
// multiple of its plane's stride alignment, and slack after each plane for decoders that read or
// write past it.
struct FrameLayout {
  int linesize[4] = {};
  std::size_t offset[4] = {};
  std::size_t bytes = 0;
};

constexpr std::size_t kPlaneSlack = 16 + 64;  // libav's 16 bytes of over-read, cache-line rounded

bool frame_layout(AVCodecContext* ctx, const AVFrame* f, FrameLayout& out) {
  const auto format = static_cast<AVPixelFormat>(f->format);
  int w = f->width;
  int h = f->height;
  int align[AV_NUM_DATA_POINTERS] = {};
  avcodec_align_dimensions2(ctx, &w, &h, align);
  for (int tries = 0;; ++tries) {
    if (av_image_fill_linesizes(out.linesize, format, w) < 0 || tries > 16) return false;
    bool unaligned = false;
    for (int i = 0; i < 4; ++i)
      unaligned = unaligned || (align[i] != 0 && out.linesize[i] % align[i] != 0);
    if (!unaligned) break;
    w += w & ~(w - 1);  // the next power-of-two multiple, as libav widens it
  }
  std::ptrdiff_t linesize[4];
  for (int i = 0; i < 4; ++i)
    linesize[i] = out.linesize[i];
  std::size_t sizes[4] = {};
  if (av_image_fill_plane_sizes(sizes, format, h, linesize) < 0) return false;
  std::size_t offset = 0;
  for (int i = 0; i < 4; ++i) {
    out.offset[i] = offset;
    if (sizes[i] != 0) offset += (sizes[i] + kPlaneSlack + 63) / 64 * 64;
  }
  out.bytes = offset;
  return offset != 0;
}

}  // namespace

int MediaSource::get_pooled_buffer(AVCodecContext* ctx, AVFrame* frame, int flags) {
  auto* self = static_cast<MediaSource*>(ctx->opaque);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
  FrameLayout layout;
  if (desc == nullptr || (desc->flags & (AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_PAL)) != 0 ||
      !frame_layout(ctx, frame, layout)) {
    return avcodec_default_get_buffer2(ctx, frame, flags);
  }
  try {
    // One size class, the first frame's; a stream that changes size mid-way goes back to libav.
    if (!self->frame_pool_) {
      BufferPoolOptions o;
      o.size_classes = {layout.bytes};
      o.alignment = 64;
      o.max_idle_bytes = 16 * layout.bytes;  // a decoder's references and delay, with room
      self->frame_pool_ = std::make_unique<BufferPool>(std::move(o));
    }
    const std::size_t capacity = self->frame_pool_->class_capacity(layout.bytes);
    if (capacity < layout.bytes || capacity > 2 * layout.bytes) {
      return avcodec_default_get_buffer2(ctx, frame, flags);
    }
    auto* held = new Buffer(self->frame_pool_->acquire(layout.bytes));
    AVBufferRef* ref = av_buffer_create(
        reinterpret_cast<std::uint8_t*>(held->data()), layout.bytes,
        [](void* opaque, std::uint8_t*) { delete static_cast<Buffer*>(opaque); }, held, 0);
    if (ref == nullptr) {
      delete held;
      return AVERROR(ENOMEM);
    }
    frame->buf[0] = ref;
    for (int i = 0; i < 4; ++i) {
      frame->data[i] = layout.linesize[i] != 0 ? ref->data + layout.offset[i] : nullptr;
      frame->linesize[i] = layout.linesize[i];
    }
    frame->extended_data = frame->data;
    return 0;
  } catch (const std::exception&) {
    return AVERROR(ENOMEM);
  }
}

std::optional<BufferPoolStats> MediaSource::frame_pool_stats() const {
  if (!frame_pool_) return std::nullopt;
  return frame_pool_->stats();
}

void MediaSource::open_decoder(Decoder& d, int stream, const MediaSourceOptions& o) {
  AVStream* st = fmt_->streams[stream];
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (codec == nullptr) {
    throw InputError(info_.path + ": no decoder for codec " +
                     avcodec_get_name(st->codecpar->codec_id));
  }
  d.ctx.reset(avcodec_alloc_context3(codec));
  if (!d.ctx) throw std::bad_alloc();
  check_av(avcodec_parameters_to_context(d.ctx.get(), st->codecpar), "decoder parameters");
  d.ctx->pkt_timebase = st->time_base;
  d.ctx->thread_count = o.threads;
  if (o.pooled_frames && d.kind == StreamKind::kVideo &&
      (codec->capabilities & AV_CODEC_CAP_DR1) != 0) {
    d.ctx->opaque = this;
    d.ctx->get_buffer2 = &MediaSource::get_pooled_buffer;
  }
  if (o.fast_decode && d.kind == StreamKind::kVideo) {
    d.ctx->skip_loop_filter = AVDISCARD_ALL;
    d.ctx->flags2 |= AV_CODEC_FLAG2_FAST;
  }
  if (o.min_decoded_width > 0 && d.kind == StreamKind::kVideo && codec->max_lowres > 0) {
    int lowres = 0;
    while (lowres < codec->max_lowres &&
           (st->codecpar->width >> (lowres + 1)) >= o.min_decoded_width)
      ++lowres;
    d.ctx->lowres = lowres;
  }
  if (int r = avcodec_open2(d.ctx.get(), codec, nullptr); r < 0) {
    throw InputError(info_.path + ": cannot open " + codec->name + " decoder (" + av_error(r) +
                     ")");
  }
  d.stream = stream;
}

void MediaSource::note_damage(int stream, std::int64_t pts) {
  // Audio decoders complain about partial frames at every seek; only lost pictures are reported.
  if (stream != video_index_) return;
  if (pts == AV_NOPTS_VALUE) {
    damaged_.push_back(-1);
    return;
  }
  damaged_.push_back(static_cast<double>(pts) * av_q2d(fmt_->streams[stream]->time_base));
}

double MediaSource::frame_time_s(const AVFrame* frame, StreamKind kind) const {
  const std::int64_t ts =
      frame->best_effort_timestamp != AV_NOPTS_VALUE ? frame->best_effort_timestamp : frame->pts;
  if (ts == AV_NOPTS_VALUE) return -1;
  AVStream* st = kind == StreamKind::kVideo ? video_stream() : audio_stream();
  return static_cast<double>(ts) * av_q2d(st->time_base);
}

const AVFrame* MediaSource::next(StreamKind* kind) {
  for (;;) {
    for (Decoder* d : {&video_, &audio_}) {
      if (!d->ctx || d->drained) continue;
      av_frame_unref(frame_.get());
      const int r = avcodec_receive_frame(d->ctx.get(), frame_.get());
      if (r == 0) {
        if (frame_->decode_error_flags != 0 || (frame_->flags & AV_FRAME_FLAG_CORRUPT) != 0) {
          note_damage(d->stream, frame_->best_effort_timestamp);
        }
        *kind = d->kind;
        return frame_.get();
      }
      if (r == AVERROR_EOF) {
        d->drained = true;
      } else if (r != AVERROR(EAGAIN)) {
        note_damage(d->stream, AV_NOPTS_VALUE);
        if (eof_) d->drained = true;  // a decoder failing while flushing has nothing more
      }
    }
    if (eof_) {
      if ((!video_.ctx || video_.drained) && (!audio_.ctx || audio_.drained)) return nullptr;
      continue;
    }
    const int r = av_read_frame(fmt_.get(), packet_.get());
    if (r < 0) {
      if (r != AVERROR_EOF) read_error_ = true;
      eof_ = true;
      for (Decoder* d : {&video_, &audio_}) {
        if (d->ctx && avcodec_send_packet(d->ctx.get(), nullptr) < 0) d->drained = true;
      }
      continue;
    }
    for (Decoder* d : {&video_, &audio_}) {
      if (d->ctx && packet_->stream_index == d->stream) {
        if (int e = avcodec_send_packet(d->ctx.get(), packet_.get()); e < 0) {
          note_damage(d->stream, packet_->pts != AV_NOPTS_VALUE ? packet_->pts : packet_->dts);
        }
      }
    }
    av_packet_unref(packet_.get());
  }
}

bool MediaSource::seek(std::int64_t video_pts) {
  const int r = av_seek_frame(fmt_.get(), video_index_, video_pts, AVSEEK_FLAG_BACKWARD);
  for (Decoder* d : {&video_, &audio_}) {
    if (d->ctx) avcodec_flush_buffers(d->ctx.get());
    d->drained = false;
  }
  eof_ = false;
  return r >= 0;
}

std::vector<std::int64_t> MediaSource::indexed_keyframes() const {
  std::vector<std::int64_t> keys;
  AVStream* st = video_stream();
  const int n = avformat_index_get_entries_count(st);
  for (int i = 0; i < n; ++i) {
    const AVIndexEntry* e = avformat_index_get_entry(st, i);
    if (e != nullptr && (e->flags & AVINDEX_KEYFRAME) != 0 && e->timestamp != AV_NOPTS_VALUE) {
      if (keys.empty() || e->timestamp > keys.back()) keys.push_back(e->timestamp);
    }
  }
  return keys;
}

std::vector<std::int64_t> MediaSource::scan_keyframes() {
  std::vector<std::int64_t> keys;
  while (av_read_frame(fmt_.get(), packet_.get()) >= 0) {
    if (packet_->stream_index == video_index_ && (packet_->flags & AV_PKT_FLAG_KEY) != 0) {
      const std::int64_t ts = packet_->pts != AV_NOPTS_VALUE ? packet_->pts : packet_->dts;
      if (ts != AV_NOPTS_VALUE && (keys.empty() || ts > keys.back())) keys.push_back(ts);
    }
    av_packet_unref(packet_.get());
  }
  seek(video_stream()->start_time != AV_NOPTS_VALUE ? video_stream()->start_time : 0);
  return keys;
}

}  // namespace opusperf::video
