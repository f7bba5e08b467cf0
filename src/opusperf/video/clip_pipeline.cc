#include "opusperf/video/clip_pipeline.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <thread>

#include "opusperf/core/atomic_file.h"
#include "opusperf/core/errors.h"
#include "opusperf/video/clip_exporter.h"
#include "opusperf/video/feature_cache.h"
#include "opusperf/video/highlight_selector.h"
#include "opusperf/video/synthetic_video.h"
#include "opusperf/video/video_analyzer.h"

namespace opusperf::video {
namespace fs = std::filesystem;
namespace {

using SteadyTime = std::chrono::steady_clock;

double seconds_since(SteadyTime::time_point t0) {
  return std::chrono::duration<double>(SteadyTime::now() - t0).count();
}

// Rounds to `digits` decimals so the JSON shows 4.129, not 4.1291666666666664.
double round_to(double v, int digits) {
  const double k = std::pow(10.0, digits);
  return std::round(v * k) / k;
}

// A folder removed with everything in it when the scope ends (unless released).
class ScopedDir {
 public:
  explicit ScopedDir(fs::path p) : path_(std::move(p)) {}
  ScopedDir(const ScopedDir&) = delete;
  ScopedDir& operator=(const ScopedDir&) = delete;
  ~ScopedDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Creates out_dir if needed and a staging folder inside it; InputError when it cannot be written.
fs::path make_staging(const fs::path& out_dir) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) {
    throw InputError(out_dir.string() + ": --out folder cannot be created (" +
                     (ec ? ec.message() : "not a folder") + ")");
  }
  fs::path staging = out_dir / fmt::format(".opusperf-staging-{}", ::getpid());
  fs::create_directory(staging, ec);
  if (ec || ::access(staging.c_str(), W_OK) != 0) {
    throw InputError(out_dir.string() + ": --out folder is not writable (" +
                     (ec ? ec.message() : "permission denied") + ")");
  }
  return staging;
}

// Decodes (or has decoded elsewhere) the video; returns the analysis and how many chunks were
// actually decoded rather than served by the chunk cache.
Analysis analyze_with_progress(const fs::path& video, const std::string& key,
                               const ClipPipelineOptions& o, std::uint64_t total_frames,
                               unsigned& chunks_decoded) {
  std::atomic<std::uint64_t> done{0};
  std::atomic<unsigned> decoded{0};
  AnalyzeOptions ao;
  ao.threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  ao.frames_done = &done;
  ao.submit = o.submit_chunk;
  ao.chunks_decoded = &decoded;
  if (o.use_cache) {
    ao.chunk_cache = o.chunk_cache;
    ao.content_key = key;
  }
  const auto t0 = SteadyTime::now();
  auto job = std::async(std::launch::async, [&] {
    if (o.analyze) {
      unsigned n = 0;
      Analysis a = o.analyze(video, key, done, n);
      decoded = n;
      return a;
    }
    return analyze_video(video, ao);
  });
  while (job.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (o.progress)
      o.progress(
          {"analyze", done.load(std::memory_order_relaxed), total_frames, seconds_since(t0)});
  }
  Analysis a = job.get();
  if (o.progress) o.progress({"analyze", a.frames.size(), a.frames.size(), seconds_since(t0)});
  chunks_decoded = decoded.load();
  return a;
}

}  // namespace

void validate(const ClipPipelineOptions& o) {
  if (o.clips < 1 || o.clips > 100)
    throw InputError(fmt::format("--clips: {} is outside 1 .. 100", o.clips));
  if (!(o.min_len_s > 0))
    throw InputError(fmt::format("--min-len: {} must be above 0 seconds", o.min_len_s));
  if (!(o.max_len_s >= o.min_len_s)) {
    throw InputError(fmt::format("--max-len: {} is below --min-len {}", o.max_len_s, o.min_len_s));
  }
  if (!o.analyze_only && o.out_dir.empty())
    throw InputError("--out: required unless --analyze-only");
  if (o.video && !fs::exists(*o.video)) throw InputError(o.video->string() + ": no such file");
}

nlohmann::json run_clip_pipeline(const ClipPipelineOptions& o) {
  validate(o);
  // A file that is not a video is rejected before --out is touched.
  if (o.video) MediaSource(*o.video, {.decode_audio = false});
  std::optional<ScopedDir> staging;
  if (!o.out_dir.empty()) staging.emplace(make_staging(o.out_dir));

  // The embedded default: a synthetic video in a temp folder of its own.
  std::optional<ScopedDir> synthetic_dir;
  fs::path video;
  if (o.video) {
    video = *o.video;
  } else {
    synthetic_dir.emplace(fs::temp_directory_path() /
                          fmt::format("opusperf-synthetic-{}", ::getpid()));
    fs::create_directories(synthetic_dir->path());
    video = synthetic_dir->path() / "synthetic.mp4";
    write_synthetic_video(video);
  }

  // Analyze, through the feature cache (the content hash counts as analysis time): the caller's
  // in-memory tier first, then the disk, then decoding.
  const auto t0 = SteadyTime::now();
  std::optional<FeatureCache> cache;
  std::string key;
  if (o.use_cache) cache.emplace(o.cache_dir.empty() ? FeatureCache::default_dir() : o.cache_dir);
  if (o.use_cache || o.analyze) key = FeatureCache::content_key(video);
  bool decoded = false;
  unsigned chunks_decoded = 0;
  const auto load = [&]() -> Analysis {
    if (cache) {
      if (std::optional<Analysis> stored = cache->load(key)) return std::move(*stored);
    }
    decoded = true;
    // Opening once up front turns a non-video into InputError before any work.
    const std::uint64_t total = static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, MediaSource(video, {.decode_audio = false}).info().frames));
    Analysis fresh = analyze_with_progress(video, key, o, total, chunks_decoded);
    if (cache) {
      try {
        cache->store(key, fresh);
      } catch (const std::exception&) {
        // A cache that cannot be written costs the next run time, not this run its result.
      }
    }
    return fresh;
  };
  std::optional<Analysis> analysis;
  if (cache && o.memory_tier) {
    analysis = *o.memory_tier(key, load);
  } else {
    analysis = load();
  }
  // A hit: nothing was decoded (the file's analysis or every chunk came from a cache).
  const bool hit = !decoded || chunks_decoded == 0;
  Analysis& a = *analysis;
  a.info.path = video.string();
  const double analyze_s = seconds_since(t0);

  const std::vector<std::size_t> cuts = detect_cuts(a.frames, o.cuts);
  nlohmann::json result;
  result["video"] = o.video ? video.string() : "embedded:synthetic";
  result["duration_s"] = round_to(a.info.duration_s, 3);
  result["frames"] = a.frames.size();
  result["fps"] = round_to(a.info.fps, 3);
  result["width"] = a.info.width;
  result["height"] = a.info.height;
  nlohmann::json cut_times = nlohmann::json::array();
  for (std::size_t c : cuts)
    cut_times.push_back(round_to(a.frames[c].time_s, 3));
  result["cuts"] = cut_times;
  nlohmann::json skipped = nlohmann::json::array();
  for (const TimeRange& r : a.skipped)
    skipped.push_back({round_to(r.start_s, 3), round_to(r.end_s, 3)});
  result["skipped"] = skipped;

  nlohmann::json clips = nlohmann::json::array();
  const auto t_export = SteadyTime::now();
  if (!o.analyze_only) {
    const std::vector<Highlight> highlights =
        select_highlights(a, cuts, {o.clips, o.min_len_s, o.max_len_s});
    std::vector<std::pair<fs::path, fs::path>> renames;
    for (std::size_t i = 0; i < highlights.size(); ++i) {
      const Highlight& h = highlights[i];
      if (o.progress) o.progress({"export", i, highlights.size(), seconds_since(t_export)});
      const std::string stem = fmt::format("clip_{:02}", i + 1);
      ExportRequest req;
      req.source = video;
      req.start_s = h.start_s;
      req.end_s = h.end_s;
      req.video_out = staging->path() / (stem + ".mp4");
      req.thumbnail_out = staging->path() / (stem + ".jpg");
      req.reframe_9_16 = o.reframe_9_16;
      req.centroid_x = [&a](double t) {
        // The frame at or before t; its motion centre.
        auto it = std::upper_bound(a.frames.begin(), a.frames.end(), t,
                                   [](double v, const FrameFeatures& f) { return v < f.time_s; });
        if (it != a.frames.begin()) --it;
        return it == a.frames.end() ? 0.5 : static_cast<double>(it->centroid_x);
      };
      const ExportResult r = export_clip(req);
      clips.push_back({{"start", round_to(h.start_s, 3)},
                       {"end", round_to(h.start_s + r.duration_s, 3)},
                       {"score", round_to(h.score, 4)},
                       {"frames", r.frames},
                       {"width", r.width},
                       {"height", r.height},
                       {"file", (o.out_dir / (stem + ".mp4")).string()},
                       {"thumbnail", (o.out_dir / (stem + ".jpg")).string()}});
      renames.emplace_back(req.video_out, o.out_dir / (stem + ".mp4"));
      renames.emplace_back(req.thumbnail_out, o.out_dir / (stem + ".jpg"));
    }
    if (o.progress)
      o.progress({"export", highlights.size(), highlights.size(), seconds_since(t_export)});
    for (const auto& [from, to] : renames)
      fs::rename(from, to);
  }
  result["clips"] = clips;
  const double export_s = o.analyze_only ? 0 : seconds_since(t_export);
  result["timing"] = {{"analyze_s", round_to(analyze_s, 4)},
                      {"export_s", round_to(export_s, 4)},
                      {"analyze_fps", round_to(analyze_s > 0 ? a.frames.size() / analyze_s : 0, 1)},
                      {"cache", o.use_cache || o.analyze ? (hit ? "hit" : "miss") : "off"},
                      {"chunks", a.chunks},
                      {"chunks_decoded", decoded ? chunks_decoded : 0}};
  if (staging) write_file_atomically(o.out_dir / "manifest.json", result.dump(2) + "\n");
  return result;
}

}  // namespace opusperf::video
