#include "opusperf/video/video_analyzer.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "opusperf/video/chunk_analysis.h"

namespace opusperf::video {

Analysis analyze_video(const std::filesystem::path& path, const AnalyzeOptions& options) {
  const ChunkPlan plan = plan_chunks(
      path, {options.threads, options.min_chunk_s, std::max(1u, options.chunks_per_thread)});
  const double window_s = Analysis{}.loudness_window_s;
  const std::vector<ChunkSpan>& chunks = plan.chunks;
  std::vector<ChunkResult> results(chunks.size());
  std::vector<std::exception_ptr> errors(chunks.size());
  const auto run_chunk = [&](std::size_t i) {
    try {
      const auto decode = [&] {
        if (options.chunks_decoded) options.chunks_decoded->fetch_add(1);
        return analyze_chunk(path, chunks[i], window_s, options.frames_done);
      };
      if (options.chunk_cache && !options.content_key.empty()) {
        results[i] =
            *options.chunk_cache(chunk_cache_key(options.content_key, chunks[i], window_s), decode);
      } else {
        results[i] = decode();
      }
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  if (options.submit) {
    std::vector<std::future<void>> done;
    for (std::size_t i = 0; i < chunks.size(); ++i)
      done.push_back(options.submit([&run_chunk, i] { run_chunk(i); }));
    for (std::future<void>& f : done)
      f.get();
  } else {
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < chunks.size();)
        run_chunk(i);
    };
    const unsigned n_threads =
        std::min<unsigned>(std::max(1u, options.threads), static_cast<unsigned>(chunks.size()));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < n_threads; ++t)
      pool.emplace_back(work);
    work();
    for (std::thread& t : pool)
      t.join();
  }
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return join_chunks(plan.info, window_s, std::move(results));
}

}  // namespace opusperf::video
