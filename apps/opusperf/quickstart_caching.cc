// `opusperf quickstart caching`: a clip-scoring workload (per video segment: synthesise its frames,
// blur them, score their motion) requested with Zipf popularity, run once directly and once
// memoised through cache_result in the optimizer's SmartCache. Prints the measured hit ratio and
// the time saved against the uncached run, checks that every cached answer equals the uncached
// one, and with enable_predictive_caching also plays videos in order through cache_sequence so the
// prefetcher loads segments ahead.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "command_registry.h"
#include "format.h"
#include "frame_workload.h"
#include "opusperf/cache/hash_mix.h"
#include "opusperf/cache/memoize.h"
#include "opusperf/core/errors.h"
#include "opusperf/optimizer/cache_component.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

struct CachingOptions {
  int requests = 3000;
  int videos = 40;
  int segments = 30;
  int frames = 4;  // frames per segment
  int width = 320;
  int height = 180;
  double zipf = 0.9;
  std::uint64_t seed = 7;
};

// The work a request does: a pure function of (video, segment).
double score_segment(const CachingOptions& o, std::uint64_t video, std::int64_t segment) {
  FrameWorkload w(o.width, o.height,
                  cache::mix_hash(video * 1'000'003 + static_cast<std::uint64_t>(segment)));
  const std::vector<double> motion =
      w.analyse(w.generate(static_cast<int>(segment) * o.frames, o.frames));
  return std::accumulate(motion.begin(), motion.end(), 0.0) / static_cast<double>(motion.size());
}

struct Request {
  std::uint64_t video;
  std::int64_t segment;
};

// Requests whose (video, segment) follows a Zipf(o.zipf) popularity over every pair.
std::vector<Request> make_requests(const CachingOptions& o) {
  const std::size_t pairs =
      static_cast<std::size_t>(o.videos) * static_cast<std::size_t>(o.segments);
  std::vector<double> cdf(pairs);
  double sum = 0;
  for (std::size_t i = 0; i < pairs; ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i + 1), o.zipf);
    cdf[i] = sum;
  }
  std::mt19937_64 rng(o.seed);
  std::uniform_real_distribution<double> u(0, sum);
  // A fixed shuffle of ranks so popular pairs are spread over videos and segments.
  std::vector<std::size_t> pair_of_rank(pairs);
  std::iota(pair_of_rank.begin(), pair_of_rank.end(), 0);
  std::shuffle(pair_of_rank.begin(), pair_of_rank.end(), rng);
  std::vector<Request> out(static_cast<std::size_t>(o.requests));
  for (Request& r : out) {
    const auto rank =
        static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u(rng)) - cdf.begin());
    const std::size_t pair = pair_of_rank[std::min(rank, pairs - 1)];
    r = {pair / static_cast<std::size_t>(o.segments),
         static_cast<std::int64_t>(pair % static_cast<std::size_t>(o.segments))};
  }
  return out;
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

int run_caching(const CachingOptions& o, const QuickstartContext& ctx) {
  if (o.requests < 1 || o.videos < 1 || o.segments < 1 || o.frames < 2) {
    throw InputError("--requests, --videos and --segments must be at least 1, --frames at least 2");
  }
  if (o.width < 8 || o.height < 8) throw InputError("--width and --height must be at least 8");
  if (!(o.zipf >= 0 && o.zipf <= 3)) throw InputError("--zipf must be in [0, 3]");

  PerformanceOptimizer opt(ctx.config);

  ServeScope serve(opt, ctx.serve);
  if (!ctx.config.enable_smart_caching) {
    std::cerr << "note: enable_smart_caching is off in this config; this example runs the cache "
                 "anyway\n";
  }
  auto component = std::make_unique<CacheComponent>(opt.config(), opt.metrics());
  CacheComponent& cache = *component;
  opt.add_component(std::move(component));

  const std::vector<Request> requests = make_requests(o);
  std::cerr << fmt::format(
      "quickstart caching: {} requests over {} videos x {} segments (Zipf {:.2f}), {} frames of "
      "{}x{} each, cache of {} entries, profile {}\n",
      o.requests, o.videos, o.segments, o.zipf, o.frames, o.width, o.height,
      ctx.config.cache_size_limit, ctx.config.profile);

  // Uncached: every request does the work.
  std::vector<double> direct(requests.size());
  const auto t0 = std::chrono::steady_clock::now();
  opt.optimize_operation({"score_uncached", requests.size()}, [&] {
    for (std::size_t i = 0; i < requests.size(); ++i)
      direct[i] = score_segment(o, requests[i].video, requests[i].segment);
  });
  const auto uncached = std::chrono::steady_clock::now() - t0;

  // Cached: the same requests through cache_result.
  auto scored = cache_result(
      cache.cache(), [&o](std::uint64_t v, std::int64_t s) { return score_segment(o, v, s); },
      ctx.config.cache_ttl);
  std::vector<double> memoised(requests.size());
  const CacheStats before = cache.cache().stats();
  const auto t1 = std::chrono::steady_clock::now();
  opt.optimize_operation({"score_cached", requests.size()}, [&] {
    for (std::size_t i = 0; i < requests.size(); ++i)
      memoised[i] = scored(requests[i].video, requests[i].segment);
  });
  const auto cached = std::chrono::steady_clock::now() - t1;
  const CacheStats after = cache.cache().stats();
  if (memoised != direct)
    throw RuntimeError("quickstart caching: a cached score differs from the direct one");

  const std::uint64_t hits = after.hits - before.hits;
  const std::uint64_t lookups = hits + after.misses - before.misses;
  const double hit_ratio =
      lookups == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups);
  std::cout << fmt::format("{:<28}{:>12}\n", "requests", requests.size());
  std::cout << fmt::format("{:<28}{:>12}\n", "computed (cache loads)", after.loads - before.loads);
  std::cout << fmt::format("{:<28}{:>11.1f}%\n", "hit ratio", 100.0 * hit_ratio);
  std::cout << fmt::format("{:<28}{:>12}\n", "uncached run", human_ms(1e3 * seconds(uncached)));
  std::cout << fmt::format("{:<28}{:>12}\n", "cached run", human_ms(1e3 * seconds(cached)));
  std::cout << fmt::format("{:<28}{:>12}   ({:.1f}% of the uncached time, {:.1f}x faster)\n",
                           "time saved", human_ms(1e3 * (seconds(uncached) - seconds(cached))),
                           100.0 * (1.0 - seconds(cached) / seconds(uncached)),
                           seconds(uncached) / seconds(cached));
  std::cout << fmt::format("{:<28}{:>12}\n", "answers equal to uncached", "all");

  if (ctx.config.enable_predictive_caching) {
    // Sequential playback: segments of a few videos in order; the prefetcher loads ahead.
    auto segment = cache.cache_sequence(
        [&o](std::uint64_t v, std::int64_t s) { return score_segment(o, v + 1'000'000, s); },
        ctx.config.cache_ttl);
    const CacheStats p0 = cache.cache().stats();
    opt.optimize_operation({"playback", 5u * static_cast<std::uint64_t>(o.segments)}, [&] {
      for (std::uint64_t v = 0; v < 5; ++v)
        for (std::int64_t s = 0; s < o.segments; ++s)
          segment(v, s);
    });
    cache.wait_for_prefetches();
    const CacheStats p1 = cache.cache().stats();
    std::cout << fmt::format("{:<28}{:>12}   (used {}, wasted {})\n", "prefetched segments",
                             p1.prefetch_issued - p0.prefetch_issued,
                             p1.prefetch_used - p0.prefetch_used,
                             p1.prefetch_wasted - p0.prefetch_wasted);
  }
  std::cout << "\n";
  finish_quickstart(opt, ctx);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "caching",
    "cache_result memoising a clip-scoring workload: hit ratio and time saved, measured",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<CachingOptions>();
      cmd.add_option("--requests", o->requests, "Requests to serve")->capture_default_str();
      cmd.add_option("--videos", o->videos, "Distinct videos")->capture_default_str();
      cmd.add_option("--segments", o->segments, "Segments per video")->capture_default_str();
      cmd.add_option("--frames", o->frames, "Frames per segment")->capture_default_str();
      cmd.add_option("--width", o->width, "Frame width")->capture_default_str();
      cmd.add_option("--height", o->height, "Frame height")->capture_default_str();
      cmd.add_option("--zipf", o->zipf, "Zipf exponent of request popularity")
          ->capture_default_str();
      cmd.add_option("--seed", o->seed, "Random seed of the request sequence")
          ->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_caching(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
