// `opusperf quickstart comprehensive`: every component at work on one clip-scoring service.
//
// Requests for segments of a few videos arrive with a skewed popularity (a few segments are asked
// for again and again). Each request is a job on the WorkerPool (balance; the video id is the
// balancing key), memoised by cache_result in the SmartCache (cache), and, on a miss, does the
// real work: the segment's frames are generated into BufferPool buffers tracked by the allocation
// tracker (memory), blurred and scored for motion, and each frame's row-mean profile is stored as
// fp16 in memory from the GPU caching allocator (gpu: the CUDA backend when a device is present,
// the host backend otherwise). A closed loop keeps a limited number of requests in flight; that
// limit is a knob the AdaptivePerformanceTuner's hill climber tunes on measured throughput (tune).
// Every request goes through optimize_operation (operations), and the run ends with a
// force_optimization that trims cache, GPU allocator and pools. With --serve it is all live on the
// dashboard; --seconds sets how long the requests keep coming.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "command_registry.h"
#include "frame_workload.h"
#include "opusperf/cache/memoize.h"
#include "opusperf/core/errors.h"
#include "opusperf/memory/frame_size_classes.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "opusperf/optimizer/standard_components.h"
#include "opusperf/tune/decision.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

using SteadyTime = std::chrono::steady_clock;

struct ComprehensiveOptions {
  double seconds = 6;
  int videos = 4;
  int segments = 60;  // per video
  int frames = 2;     // per segment
  int width = 1280;   // the decoder's output: NV12 frames of this size, in pooled buffers
  int height = 720;
  int interval_ms = 250;  // the tuner's evaluation interval for this run
  std::uint64_t seed = 7;
};

struct SegmentScore {
  double motion = 0;                // mean motion energy of the segment's frames
  std::uint64_t profile_bytes = 0;  // fp16 row profiles stored through the GPU allocator
};

// The real work behind one segment, run on a cache miss.
class SegmentScorer {
 public:
  SegmentScorer(const ComprehensiveOptions& o, StandardComponents parts) : o_(o), parts_(parts) {}

  SegmentScore score(int video, int segment) const {
    const auto w = static_cast<std::size_t>(o_.width);
    const auto h = static_cast<std::size_t>(o_.height);
    FrameWorkload workload(o_.width, o_.height, static_cast<std::uint64_t>(video) + 1);
    std::vector<LumaFrame> frames = workload.generate(segment * o_.frames, o_.frames);

    // Frames land in pooled NV12 buffers, as a decoder's output would (luma plane, then chroma at
    // neutral grey), charged to their video in the allocation tracker.
    std::vector<Buffer> buffers;
    std::vector<TrackedAllocation> tracked;
    MemoryOptimizer& memory = parts_.memory->memory();
    const std::size_t nv12_bytes = frame_bytes(o_.width, o_.height, PixelFormat::kNv12);
    for (const LumaFrame& f : frames) {
      Buffer b = memory.frame_pool().acquire(nv12_bytes);
      std::memcpy(b.data(), f.pixels.data(), w * h);
      std::memset(b.data() + w * h, 128, nv12_bytes - w * h);
      tracked.push_back(memory.tracker().track("comprehensive.frames", b.capacity(),
                                               fmt::format("video-{}", video)));
      buffers.push_back(std::move(b));
    }
    const std::vector<double> motion = workload.analyse(frames);

    // Row-mean profiles (one float per row per frame), kept as fp16 in allocator memory.
    std::vector<float> profile(h * frames.size());
    for (std::size_t i = 0; i < buffers.size(); ++i) {
      const auto* px = reinterpret_cast<const std::uint8_t*>(buffers[i].data());
      for (std::size_t y = 0; y < h; ++y) {
        const std::uint64_t sum = std::accumulate(px + y * w, px + (y + 1) * w, std::uint64_t{0});
        profile[i * h + y] = static_cast<float>(sum) / static_cast<float>(w);
      }
    }
    // The profiles go to the device and are converted there (on the host backend, the same
    // conversion on the CPU): allocator memory, a stream, a copy and a conversion kernel.
    gpu::DeviceBackend& device = parts_.gpu->gpu().backend();
    gpu::CachingAllocator& alloc = parts_.gpu->gpu().allocator();
    const gpu::Stream stream{};
    void* as_float = alloc.allocate(profile.size() * sizeof(float), stream);
    void* as_half = alloc.allocate(profile.size() * 2, stream);
    device.copy(as_float, profile.data(), profile.size() * sizeof(float),
                gpu::CopyKind::kHostToDevice, stream);
    device.convert(gpu::Conversion::kFloatToHalf, as_float, as_half, profile.size(), stream);
    device.synchronize(stream);
    alloc.deallocate(as_float);
    alloc.deallocate(as_half);
    const std::size_t half_bytes = profile.size() * 2;

    SegmentScore s;
    s.motion =
        std::accumulate(motion.begin(), motion.end(), 0.0) / static_cast<double>(motion.size());
    s.profile_bytes = half_bytes;
    return s;
  }

 private:
  const ComprehensiveOptions& o_;
  StandardComponents parts_;
};

// Keeps up to `limit` requests in flight (the tuned knob) until the deadline.
class RequestLoop {
 public:
  explicit RequestLoop(int limit) : limit_(limit) {}

  void set_limit(double limit) {
    {
      std::lock_guard lock(mu_);
      limit_ = std::max(1, static_cast<int>(limit));
    }
    cv_.notify_all();
  }

  // Waits for a free slot; false when the deadline passed first.
  bool acquire(SteadyTime::time_point deadline) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return in_flight_ < limit_; })) return false;
    ++in_flight_;
    return true;
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      --in_flight_;
    }
    cv_.notify_all();
  }
  void wait_idle() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int limit_;          // guarded by mu_
  int in_flight_ = 0;  // guarded by mu_
};

void validate(const ComprehensiveOptions& o) {
  if (!(o.seconds > 0) || o.seconds > 86400) throw InputError("--seconds must be in (0, 86400]");
  if (o.videos < 1 || o.segments < 1 || o.frames < 2) {
    throw InputError("--videos and --segments must be >= 1 and --frames >= 2");
  }
  if (o.width < 4 || o.height < 4 || o.width > 4096 || o.height > 4096 || o.width % 2 != 0 ||
      o.height % 2 != 0) {
    throw InputError("--width and --height must be even and in [4, 4096] (NV12 frames)");
  }
  if (o.interval_ms < 50) throw InputError("--interval-ms must be >= 50");
}

int run_comprehensive(const ComprehensiveOptions& o, const QuickstartContext& ctx) {
  validate(o);
  OptimizationConfig cfg = ctx.config;
  cfg.enable_smart_caching = true;
  cfg.enable_memory_optimization = true;
  cfg.enable_gpu_optimization = true;
  cfg.enable_load_balancing = true;
  cfg.enable_adaptive_tuning = true;
  cfg.max_workers = std::max<std::uint32_t>(cfg.max_workers, 2);
  cfg.tuning_interval = std::chrono::milliseconds(o.interval_ms);
  PerformanceOptimizer opt(cfg);
  ServeScope serve(opt, ctx.serve);
  const StandardComponents parts = add_standard_components(opt);
  WorkerPool& pool = parts.balance->pool();
  AdaptivePerformanceTuner& tuner = parts.tune->tuner();

  // Requests in flight at most: enough to keep every worker busy; how many of them run at once is
  // the tuner's "pool_concurrency" knob (standard_components.h), judged on score_segment's
  // measured throughput.
  RequestLoop loop(static_cast<int>(pool.size()) * 2);

  const SegmentScorer scorer(o, parts);
  auto cached_score = cache_result(
      parts.cache->cache(),
      [&scorer](int video, int segment) { return scorer.score(video, segment); },
      std::chrono::minutes(10));

  std::cerr << fmt::format(
      "quickstart comprehensive: {} videos x {} segments of {} frames {}x{}, requests for {:g} s "
      "on {} workers ({}), GPU backend {}, profile {}\n",
      o.videos, o.segments, o.frames, o.width, o.height, o.seconds, pool.size(),
      cfg.load_balancing_strategy, parts.gpu->gpu().backend().info().backend, cfg.profile);

  // Popularity: a Zipf(1.0) over every (video, segment), fixed by the seed.
  const int distinct = o.videos * o.segments;
  std::vector<double> weights(static_cast<std::size_t>(distinct));
  for (int i = 0; i < distinct; ++i)
    weights[static_cast<std::size_t>(i)] = 1.0 / (i + 1);
  std::discrete_distribution<int> popularity(weights.begin(), weights.end());
  std::mt19937_64 rng(o.seed);

  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> failed{0};
  const auto start = SteadyTime::now();
  const auto deadline = start + std::chrono::duration_cast<SteadyTime::duration>(
                                    std::chrono::duration<double>(o.seconds));
  while (loop.acquire(deadline)) {
    const int pick = popularity(rng);
    const int video = pick % o.videos;
    const int segment = pick / o.videos;
    pool.submit(
        [&, video, segment] {
          try {
            opt.optimize_operation({"score_segment", static_cast<std::uint64_t>(o.frames)},
                                   [&] { return cached_score(video, segment); });
            completed.fetch_add(1, std::memory_order_relaxed);
          } catch (...) {
            failed.fetch_add(1, std::memory_order_relaxed);
            loop.release();
            throw;  // the pool accounts it as the worker's error
          }
          loop.release();
        },
        fmt::format("video-{}", video));
  }
  loop.wait_idle();
  pool.drain();
  // No more requests: nothing left to measure, so the tuner holds its knob from here on (a run
  // that lingers for --serve would otherwise see it probe an idle service).
  tuner.set_frozen(true);
  const double elapsed = std::chrono::duration<double>(SteadyTime::now() - start).count();

  const CacheStats cs = parts.cache->cache().stats();
  const double mean_load_ms =
      cs.loads == 0 ? 0
                    : std::chrono::duration<double, std::milli>(cs.load_time).count() / cs.loads;
  const ForceOptimizationResult trimmed = opt.force_optimization();

  std::cout << fmt::format("{} requests in {:.1f} s: {:.0f} requests/s, {} failed\n",
                           completed.load(), elapsed, completed.load() / elapsed, failed.load());
  std::cout << fmt::format(
      "cache: hit ratio {:.1f}% ({} hits, {} loads of {:.2f} ms mean); uncached, the hits would "
      "have cost {:.2f} s more\n",
      100 * cs.hit_ratio(), cs.hits, cs.loads, mean_load_ms,
      static_cast<double>(cs.hits) * mean_load_ms / 1000);
  const BufferPoolStats ps = parts.memory->memory().frame_pool().stats();
  std::cout << fmt::format("memory: frame pool hit rate {:.1f}%, {} upstream allocations\n",
                           100 * ps.hit_rate(), ps.upstream_allocations);
  const gpu::AllocatorStats gs = parts.gpu->gpu().allocator().stats();
  std::cout << fmt::format(
      "gpu ({}): {} allocations served from {} segments, peak reserved {:.1f} MiB\n",
      parts.gpu->gpu().backend().info().backend, gs.allocation[gpu::kStatAll].allocated,
      gs.segment[gpu::kStatAll].allocated,
      static_cast<double>(gs.reserved_bytes[gpu::kStatAll].peak) / (1 << 20));
  std::cout << "balance: requests per worker";
  for (const WorkerSnapshot& w : pool.balancer().snapshot().workers)
    std::cout << fmt::format("  {} {:.0f}%", w.name, w.share_percent);
  std::cout << "\n";
  const std::vector<Decision> decisions = tuner.decisions();
  std::cout << fmt::format("tune: {} decisions; {}\n", decisions.size(),
                           tuner.current_strategy().summary());
  std::cout << fmt::format("force_optimization: {} component steps, RSS {:.1f} -> {:.1f} MiB\n\n",
                           trimmed.steps.size(),
                           static_cast<double>(trimmed.rss_before_bytes) / (1 << 20),
                           static_cast<double>(trimmed.rss_after_bytes) / (1 << 20));
  finish_quickstart(opt, ctx);
  return failed.load() == 0 ? kExitOk : kExitRuntimeFailure;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "comprehensive",
    "every component together: a cached, balanced, tuned clip-scoring service with pooled frames "
    "and GPU-allocator memory",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<ComprehensiveOptions>();
      cmd.add_option("--seconds", o->seconds, "How long requests keep coming")
          ->capture_default_str();
      cmd.add_option("--videos", o->videos, "Videos")->capture_default_str();
      cmd.add_option("--segments", o->segments, "Segments per video")->capture_default_str();
      cmd.add_option("--frames", o->frames, "Frames per segment")->capture_default_str();
      cmd.add_option("--width", o->width, "Frame width")->capture_default_str();
      cmd.add_option("--height", o->height, "Frame height")->capture_default_str();
      cmd.add_option("--interval-ms", o->interval_ms, "The tuner's evaluation interval")
          ->capture_default_str();
      cmd.add_option("--seed", o->seed, "Seed of the request popularity")->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_comprehensive(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
