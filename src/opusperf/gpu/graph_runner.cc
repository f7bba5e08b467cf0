#include "opusperf/gpu/graph_runner.h"

#include <stdexcept>
#include <utility>

namespace opusperf::gpu {

GraphRunner::GraphRunner(DeviceBackend& backend, Stream stream, Mode mode)
    : backend_(backend), stream_(stream), mode_(mode) {
  if (mode == Mode::kGraph && stream == Stream{}) {
    throw std::invalid_argument("GraphRunner: graph capture needs a stream other than the default");
  }
}

GraphRunner::~GraphRunner() {
  if (captured_ && mode_ == Mode::kGraph) backend_.destroy_graph(graph_);
}

void GraphRunner::capture(std::function<void(Stream)> record) {
  if (captured_) throw std::logic_error("GraphRunner: already captured");
  if (mode_ == Mode::kEager) {  // nothing runs at capture, as with a graph
    record_ = std::move(record);
    captured_ = true;
    return;
  }
  backend_.begin_capture(stream_);
  try {
    record(stream_);
  } catch (...) {
    backend_.destroy_graph(backend_.end_capture(stream_));
    throw;
  }
  graph_ = backend_.end_capture(stream_);
  captured_ = true;
}

void GraphRunner::replay() {
  if (!captured_) throw std::logic_error("GraphRunner: replay() before capture()");
  if (mode_ == Mode::kEager) {
    record_(stream_);
  } else {
    backend_.launch(graph_, stream_);
  }
  ++replays_;
}

const char* to_string(GraphRunner::Mode mode) {
  return mode == GraphRunner::Mode::kGraph ? "graph" : "eager";
}

}  // namespace opusperf::gpu
