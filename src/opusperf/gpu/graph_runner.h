// GraphRunner: captures a sequence of stream work once and replays it, so a repeated step (copy a
// frame in, convert it, run the kernels, copy the result out) costs one launch instead of one per
// call. On the CUDA backend the capture is a CUDA graph; on the host backend replay re-runs the
// recorded work, so callers never branch on the backend.
//
//   GraphRunner step(backend, stream);
//   step.capture([&](Stream s) {
//     backend.copy(d_in, h_in, bytes, CopyKind::kHostToDevice, s);
//     backend.convert(Conversion::kFloatToHalf, d_in, d_half, n, s);
//     backend.copy(h_out, d_half, n * 2, CopyKind::kDeviceToHost, s);
//   });
//   for (...) { fill h_in; step.replay(); backend.synchronize(stream); use h_out; }
//
// With Mode::kEager (enable_cuda_graphs off) replay() calls the recorded function again instead,
// with the same results: the switch is a configuration choice, not a code change.
//
// The captured work refers to buffers by address: they must stay allocated, at the same addresses,
// for as long as the graph is replayed, and nothing may allocate, free, record events or
// synchronize inside the capture (CUDA forbids it; the host backend would run it at capture time).
//
// Thread-safety: not thread-safe; one thread captures and replays. Not copyable.
// Cost: replay is one graph launch (a few µs on CUDA) plus the work itself.
#pragma once

#include <cstdint>
#include <functional>

#include "opusperf/gpu/device_backend.h"

namespace opusperf::gpu {

class GraphRunner {
 public:
  enum class Mode { kGraph, kEager };

  // REQUIRES: `backend` outlives the runner; in kGraph mode `stream` is not the default stream.
  GraphRunner(DeviceBackend& backend, Stream stream, Mode mode = Mode::kGraph);
  ~GraphRunner();
  GraphRunner(const GraphRunner&) = delete;
  GraphRunner& operator=(const GraphRunner&) = delete;

  // Records the work `record` enqueues on the stream it is given; nothing runs until replay()
  // (kGraph captures the work; kEager keeps `record` to call on each replay).
  // REQUIRES: not captured yet; `record` enqueues only stream work (no allocation, no events,
  // no synchronize). If `record` throws, the capture is abandoned and the exception propagates.
  void capture(std::function<void(Stream)> record);
  // Enqueues the captured work again on the stream. REQUIRES: captured().
  void replay();

  bool captured() const { return captured_; }
  Mode mode() const { return mode_; }
  Stream stream() const { return stream_; }
  // Returns how many times replay() has run.
  std::uint64_t replays() const { return replays_; }

 private:
  DeviceBackend& backend_;
  const Stream stream_;
  const Mode mode_;
  std::function<void(Stream)> record_;  // kEager: what replay() calls
  Graph graph_;                         // kGraph: what replay() launches
  bool captured_ = false;
  std::uint64_t replays_ = 0;
};

// Returns "graph" or "eager".
const char* to_string(GraphRunner::Mode mode);

}  // namespace opusperf::gpu
