#include "opusperf/video/media_source.h"

#include <cerrno>
#include <system_error>

#include "opusperf/core/errors.h"

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
