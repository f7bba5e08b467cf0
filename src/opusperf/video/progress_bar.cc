#include "opusperf/video/progress_bar.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace opusperf::video {

std::string render_progress(const ClipProgress& p, int width) {
  const bool frames = p.stage == "analyze";
  const double rate = p.elapsed_s > 0 ? static_cast<double>(p.done) / p.elapsed_s : 0;
  std::string counts =
      p.total > 0 ? fmt::format("{}/{}", p.done, p.total) : fmt::format("{}", p.done);
  std::string tail = fmt::format(" {} {}", counts, frames ? "frames" : "clips");
  if (frames && rate > 0) tail += fmt::format("  {:.0f} fps", rate);
  if (p.total > 0 && rate > 0 && p.done < p.total) {
    tail += fmt::format("  ETA {:.0f}s", std::ceil(static_cast<double>(p.total - p.done) / rate));
  }
  const std::string head = fmt::format("{:<7} [", p.stage);
  const int bar = std::max(10, width - static_cast<int>(head.size() + tail.size()) - 1);
  const double share = p.total > 0 ? std::min(1.0, static_cast<double>(p.done) / p.total) : 0;
  const int filled = static_cast<int>(share * bar);
  return head + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(bar - filled), '.') + "]" + tail;
}

ProgressBar::ProgressBar(std::FILE* out) : out_(out), enabled_(::isatty(::fileno(out)) != 0) {}

void ProgressBar::update(const ClipProgress& p) {
  if (!enabled_) return;
  const bool new_stage = p.stage != last_stage_;
  const bool complete = p.total > 0 && p.done >= p.total;
  if (!new_stage && !complete && p.elapsed_s - last_draw_s_ < 0.1) return;
  if (new_stage && drawn_) std::fputc('\n', out_);
  last_stage_ = p.stage;
  last_draw_s_ = p.elapsed_s;
  std::fprintf(out_, "\r%s\033[K", render_progress(p, 78).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) std::fputc('\n', out_);
  drawn_ = false;
}

}  // namespace opusperf::video
