// Thin RAII owners for FFmpeg (libav*) objects and the error helpers the video code shares.
//
// Each owner is a std::unique_ptr with the matching libav free function, so a failure anywhere
// releases what was allocated. av_error() turns an AVERROR code into its message.
//
// Thread-safety: the owners are as safe as the objects they own (one thread at a time each).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/audio_fifo.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <cstdint>
#include <memory>
#include <string>

namespace opusperf::video {

struct FormatInputDeleter {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecContextDeleter {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameDeleter {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketDeleter {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsDeleter {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};
struct SwrDeleter {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
struct AudioFifoDeleter {
  void operator()(AVAudioFifo* f) const { av_audio_fifo_free(f); }
};

// An output (muxing) context: closes its file, if open, and frees it.
struct FormatOutputDeleter {
  void operator()(AVFormatContext* c) const {
    if (c->pb != nullptr && (c->oformat->flags & AVFMT_NOFILE) == 0) avio_closep(&c->pb);
    avformat_free_context(c);
  }
};

using FormatOutputPtr = std::unique_ptr<AVFormatContext, FormatOutputDeleter>;
using FormatInputPtr = std::unique_ptr<AVFormatContext, FormatInputDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, CodecContextDeleter>;
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, SwsDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, SwrDeleter>;
using AudioFifoPtr = std::unique_ptr<AVAudioFifo, AudioFifoDeleter>;

// Returns libav's message for an AVERROR code.
std::string av_error(int code);

// Returns a new frame / packet. Throws std::bad_alloc when libav cannot allocate.
FramePtr make_frame();
PacketPtr make_packet();

// Throws RuntimeError "<what>: <libav message>" when `code` < 0; returns `code` otherwise.
int check_av(int code, const std::string& what);

// Sends `frame` (nullptr = flush) to `enc` and writes every packet it returns to `stream` of
// `out`; a packet without a duration gets `packet_duration` (encoder time base), without which
// MP4 drops the last frame from its edit list. Throws RuntimeError on failure.
void encode_and_write(AVCodecContext* enc, const AVFrame* frame, AVFormatContext* out,
                      AVStream* stream, std::int64_t packet_duration);

}  // namespace opusperf::video
