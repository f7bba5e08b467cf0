// `opusperf quickstart video`: the clip pipeline run for real under PerformanceOptimizer: analyse
// (decode in parallel chunks, through the feature cache) and export, each an optimize_operation
// measured with its frames as units, then the optimizer's report. Without --video it uses the
// built-in synthetic video; the clips go to --out (a temp folder removed afterwards by default).
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

extern "C" {
#include <libavutil/log.h>
}

#include "command_registry.h"
#include "opusperf/cache/smart_cache.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/video/clip_pipeline.h"
#include "opusperf/video/synthetic_video.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

struct VideoOptions {
  std::string video;
  std::string out;
  int clips = 3;
};

int run_video(const VideoOptions& o, const QuickstartContext& ctx) {
  namespace fs = std::filesystem;
  av_log_set_level(AV_LOG_FATAL);
  PerformanceOptimizer opt(ctx.config);
  ServeScope serve(opt, ctx.serve);
  const bool temp_out = o.out.empty();
  const fs::path out =
      temp_out ? fs::temp_directory_path() / fmt::format("opusperf-quickstart-video-{}", ::getpid())
               : fs::path(o.out);
  video::ClipPipelineOptions p;
  // The built-in video is written once, beside the clips, so every pass reads the same file.
  const fs::path synthetic = out.parent_path() / (out.filename().string() + "-synthetic.mp4");
  if (o.video.empty()) {
    video::write_synthetic_video(synthetic);
    p.video = synthetic;
  } else {
    p.video = o.video;
  }
  p.out_dir = out;
  p.clips = o.clips;
  p.min_len_s = 3;
  p.max_len_s = 8;
  p.threads =
      std::min<unsigned>(std::max(1u, std::thread::hardware_concurrency()), ctx.config.max_workers);
  std::cerr << fmt::format("quickstart video: {} -> {} clips in {}, profile {}\n",
                           o.video.empty() ? "built-in synthetic video" : o.video, o.clips,
                           out.string(), ctx.config.profile);
  // First pass: analysis only (cold, then served by the feature cache); second: analysis + export.
  p.analyze_only = true;
  p.use_cache = false;
  auto [cold, cold_m] =
      opt.optimize_operation({"clip_analyze_cold", 0}, [&] { return video::run_clip_pipeline(p); });
  // The feature cache's in-memory tier: a SmartCache keyed by the file's content and weighed by
  // the analysis' size, in front of the on-disk cache.
  using FeatureMemo = SmartCache<std::string, std::shared_ptr<const video::Analysis>>;
  FeatureMemo::Options memo_options;
  memo_options.max_entries = 64;
  memo_options.max_bytes = 256 << 20;
  memo_options.weigher = [](const std::string& key,
                            const std::shared_ptr<const video::Analysis>& a) -> std::uint64_t {
    return key.size() + a->frames.size() * sizeof(video::FrameFeatures) +
           a->loudness_db.size() * sizeof(float);
  };
  FeatureMemo memo(memo_options);
  p.memory_tier = [&memo](const std::string& key, const std::function<video::Analysis()>& load) {
    return *memo.get_or_load(key, [&] { return std::make_shared<const video::Analysis>(load()); });
  };
  p.analyze_only = false;
  p.use_cache = true;
  auto [result, m] =
      opt.optimize_operation({"clip_pipeline", 0}, [&] { return video::run_clip_pipeline(p); });
  // Once more, as a service asked for the same video again: served from memory.
  p.analyze_only = true;
  auto [again, again_m] = opt.optimize_operation({"clip_analyze_again", 0},
                                                 [&] { return video::run_clip_pipeline(p); });
  std::error_code ec;
  if (temp_out) fs::remove_all(out, ec);
  if (o.video.empty()) fs::remove(synthetic, ec);
  std::cout << fmt::format("{} frames at {:.3f} fps; cuts at",
                           result["frames"].get<std::uint64_t>(), result["fps"].get<double>());
  for (const auto& c : result["cuts"])
    std::cout << fmt::format(" {:.3f}", c.get<double>());
  std::cout << " s\n";
  for (const auto& c : result["clips"]) {
    std::cout << fmt::format("clip {:.3f} .. {:.3f} s, score {:.3f}\n", c["start"].get<double>(),
                             c["end"].get<double>(), c["score"].get<double>());
  }
  const CacheStats ms = memo.stats();
  std::cout << fmt::format(
      "analysis {:.0f} frames/s without the cache; feature cache on the full run: {}; asked "
      "again: {} in {:.2f} ms (in-memory tier: {} hits, {} loads)\n\n",
      cold["timing"]["analyze_fps"].get<double>(), result["timing"]["cache"].get<std::string>(),
      again["timing"]["cache"].get<std::string>(),
      std::chrono::duration<double, std::milli>(again_m.wall_time).count(), ms.hits, ms.loads);
  finish_quickstart(opt, ctx);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "video",
    "the clip pipeline: cuts, highlights and exported clips of a video",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<VideoOptions>();
      cmd.add_option("--video", o->video, "Video file (default: built-in synthetic video)");
      cmd.add_option("--out", o->out, "Keep the clips in this folder");
      cmd.add_option("--clips", o->clips, "Clips to export")->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_video(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
