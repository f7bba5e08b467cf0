#include "opusperf/video/libav.h"

#include <new>

#include "opusperf/core/errors.h"

namespace opusperf::video {

std::string av_error(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

FramePtr make_frame() {
  FramePtr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

PacketPtr make_packet() {
  PacketPtr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

int check_av(int code, const std::string& what) {
  if (code < 0) throw RuntimeError(what + ": " + av_error(code));
  return code;
}

void encode_and_write(AVCodecContext* enc, const AVFrame* frame, AVFormatContext* out,
                      AVStream* stream, std::int64_t packet_duration) {
  check_av(avcodec_send_frame(enc, frame), "encoding");
  PacketPtr pkt = make_packet();
  for (;;) {
    const int r = avcodec_receive_packet(enc, pkt.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
    check_av(r, "encoding");
    if (pkt->duration == 0) pkt->duration = packet_duration;
    pkt->stream_index = stream->index;
    av_packet_rescale_ts(pkt.get(), enc->time_base, stream->time_base);
    check_av(av_interleaved_write_frame(out, pkt.get()),
             "writing " + std::string(out->url ? out->url : "output"));
  }
}

}  // namespace opusperf::video
