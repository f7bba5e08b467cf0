// ProgressBar: a one-line terminal progress display (stage, bar, frames, fps, ETA) for the clip
// pipeline, redrawn in place with a carriage return, at most every 100 ms. Quiet when its stream
// is not a terminal, so logs and pipes stay clean.
//
//   ProgressBar bar(stderr);                 // draws only if stderr is a TTY
//   options.progress = [&](const ClipProgress& p) { bar.update(p); };
//   ...; bar.finish();
//
// Thread-safety: one thread at a time. Cost: one short write per redraw.
#pragma once

#include <cstdio>
#include <string>

#include "opusperf/video/clip_pipeline.h"

namespace opusperf::video {

// Returns the text of one progress line for `p`, `width` columns at most (>= 40), e.g.
// "analyze [#########.........] 1200/2400 frames  310 fps  ETA 4s".
std::string render_progress(const ClipProgress& p, int width);

class ProgressBar {
 public:
  // Draws on `out` when `enabled`; by default, when `out` is a terminal.
  explicit ProgressBar(std::FILE* out);
  ProgressBar(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(const ClipProgress& p);
  // Ends the line (if anything was drawn).
  void finish();

 private:
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  double last_draw_s_ = -1;
  std::string last_stage_;
};

}  // namespace opusperf::video
