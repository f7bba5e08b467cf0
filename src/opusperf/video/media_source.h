// MediaSource: one opened media file with decoders for its best video stream and, optionally, its
// best audio stream, read as one ordered sequence of decoded frames.
//
//   MediaSource src("talk.mp4", {.decode_audio = true});
//   src.seek(keyframe_pts);                       // optional: start at a keyframe
//   while (const AVFrame* f = src.next(&kind)) { ... }   // video and audio frames, demux order
//
// Damaged input does not stop reading: a packet the decoder rejects, or a frame it flags as
// corrupt, is recorded in damaged_times() and reading goes on; a read error other than end of file
// ends the stream (truncated file) and is recorded too.
//
// Thread-safety: one thread at a time. Cost: libav's demux + decode; nothing is copied.
// Not copyable.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "opusperf/memory/buffer_pool.h"
#include "opusperf/video/libav.h"

namespace opusperf::video {

enum class StreamKind { kVideo, kAudio };

struct MediaSourceOptions {
  bool decode_audio = true;
  // Decoder threads per stream; 0 = libav's choice (all cores).
  int threads = 1;
  // Trade exactness for speed in analysis: skip H.264/HEVC loop filtering and allow fast paths.
  bool fast_decode = false;
  // > 0: where the video codec can decode at a fraction of the size (libav's lowres: MPEG-4 part
  // 2, MJPEG, MPEG-1/2, ...), decode at the smallest 1/2^n that keeps at least this many columns.
  // Analysis reads only a small grey image, so the IDCT of pixels it would average away is waste.
  int min_decoded_width = 0;
  // Decoded video frames live in buffers from a BufferPool of this source (one size class: the
  // decoder's frame), recycled frame to frame, where the codec lets the caller allocate (DR1);
  // false: libav's own buffer pool.
  bool pooled_frames = false;
};

struct MediaInfo {
  std::string path;
  double duration_s = 0;  // container duration, else the video stream's
  double fps = 0;         // guessed frame rate of the video stream
  int width = 0;
  int height = 0;
  std::int64_t frames = 0;  // stream frame count, else duration * fps (an estimate)
  bool has_audio = false;
  std::string video_codec;
};

class MediaSource {
 public:
  // Opens `path` and its decoders. Throws InputError naming the file and the reason when the file
  // is missing, unreadable, not a media file, has no video stream or no decoder for it.
  MediaSource(const std::filesystem::path& path, MediaSourceOptions options);
  MediaSource(const MediaSource&) = delete;
  MediaSource& operator=(const MediaSource&) = delete;

  // Returns the next decoded frame (owned by the source, valid until the next call) and sets
  // `*kind`; nullptr at the end of the stream.
  const AVFrame* next(StreamKind* kind);

  // Positions reading at the last keyframe at or before `video_pts` (video time base) and flushes
  // the decoders. Returns false when the container cannot seek (reading then restarts at 0 if it
  // can, else continues).
  bool seek(std::int64_t video_pts);

  // Returns the keyframe timestamps (video time base, ascending) from the container's index; empty
  // when the container has none (then keyframes are found by scan_keyframes()).
  std::vector<std::int64_t> indexed_keyframes() const;
  // Reads every packet once (no decoding) and returns the video keyframe timestamps, then seeks
  // back to the start.
  std::vector<std::int64_t> scan_keyframes();

  const MediaInfo& info() const { return info_; }
  AVStream* video_stream() const { return fmt_->streams[video_index_]; }
  AVStream* audio_stream() const {
    return audio_index_ < 0 ? nullptr : fmt_->streams[audio_index_];
  }
  AVCodecContext* video_decoder() const { return video_.ctx.get(); }
  AVCodecContext* audio_decoder() const { return audio_.ctx.get(); }
  // Video time base in seconds per tick.
  double video_tick_s() const { return av_q2d(video_stream()->time_base); }
  // Returns the frame's presentation time in seconds (best effort timestamp), or -1 when unknown.
  double frame_time_s(const AVFrame* frame, StreamKind kind) const;

  // Seconds of the stream where the decoder rejected data or could read no further.
  const std::vector<double>& damaged_times() const { return damaged_; }
  // True when reading stopped on an error other than end of file (truncated or unreadable data).
  bool read_error() const { return read_error_; }
  // Returns the frame pool's figures with pooled_frames once a frame was decoded into it.
  std::optional<BufferPoolStats> frame_pool_stats() const;

 private:
  struct Decoder {
    CodecContextPtr ctx;
    StreamKind kind = StreamKind::kVideo;
    int stream = -1;
    bool drained = false;
  };
  void open_decoder(Decoder& d, int stream, const MediaSourceOptions& o);
  void note_damage(int stream, std::int64_t pts);
  static int get_pooled_buffer(AVCodecContext* ctx, AVFrame* frame, int flags);

  // Where decoded video frames live with pooled_frames; made at the first frame (its size is known
  // then). Declared before the decoders so it outlives every frame they hold.
  std::unique_ptr<BufferPool> frame_pool_;
  FormatInputPtr fmt_;
  int video_index_ = -1;
  int audio_index_ = -1;
  Decoder video_;
  Decoder audio_;
  PacketPtr packet_;
  FramePtr frame_;
  bool eof_ = false;
  bool read_error_ = false;
  std::vector<double> damaged_;
  MediaInfo info_;
};

}  // namespace opusperf::video
