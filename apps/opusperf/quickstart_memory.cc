// `opusperf quickstart memory`: the MemoryOptimizer on real memory. Frame buffers from the
// BufferPool against malloc (timed through optimize_operation); a pressure response to a
// simulated cgroup at 92% of its limit, freeing a real cache and the pool's idle frames (RSS is
// the process's own); and a planted leak of real buffers, found and blamed on a simulated clock.
#include <fmt/format.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include "bench/memory/pool_vs_malloc.h"
#include "command_registry.h"
#include "format.h"
#include "opusperf/core/errors.h"
#include "opusperf/memory/memory_optimizer.h"
#include "opusperf/memory/simulated_cgroup.h"
#include "opusperf/optimizer/memory_component.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

struct MemoryExampleOptions {
  int frames = 300;
};

constexpr std::uint64_t kMiB = 1 << 20;

void touch_pages(std::byte* p, std::size_t bytes) {
  for (std::size_t off = 0; off < bytes; off += 4096)
    p[off] = std::byte{1};
  asm volatile("" : : "g"(p) : "memory");  // keep the writes (and malloc/free) in the program
}

// Part 1: n frames through the pool, through malloc as glibc is set up, and through malloc with
// the mmap threshold pinned at 128 KiB (each frame then an mmap, page faults and a munmap), in
// interleaved rounds timed by optimize_operation; each figure is the median round.
void compare_frames(PerformanceOptimizer& opt, BufferPool& pool, int n) {
  constexpr int kRounds = 5;
  const std::size_t bytes = frame_bytes(1920, 1080, PixelFormat::kRgb24);
  // Bursts of kInFlight frames, all released together, as a decoder hands over a chunk.
  constexpr int kInFlight = 4;
  // The harness's loops (bench/memory/pool_vs_malloc.h), each call one measured operation.
  const auto pool_run = [&](int count) {
    return bench::pool_frames_ns(pool, bytes, count, kInFlight);
  };
  const auto malloc_run = [&](int count) {
    return bench::malloc_frames_ns(bytes, count, kInFlight);
  };
  const auto timed = [&](const char* name, const auto& run, int count) {
    const double ns =
        opt.optimize_operation({name, static_cast<std::uint64_t>(count)}, run, count).first;
    return ns / 1e6;  // ms a frame
  };
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  pool_run(2 * kInFlight);  // warm both: the pool keeps its buffers, glibc settles its thresholds
  malloc_run(2 * kInFlight);
  const int per_round = std::max(1, n / kRounds);
  std::vector<double> pool_ms, malloc_ms, mmap_ms;
  for (int r = 0; r < kRounds; ++r) {
    pool_ms.push_back(timed("pool_frames", pool_run, per_round));
    malloc_ms.push_back(timed("malloc_frames", malloc_run, per_round));
  }
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);  // last: cannot be undone in this process
  ::malloc_trim(0);                         // else malloc reuses the free block already in the heap
  const int pinned = std::max(1, per_round / 10);
  for (int r = 0; r < kRounds; ++r)
    mmap_ms.push_back(timed("malloc_frames_mmap", malloc_run, pinned));
  const double pooled = median(pool_ms), heap = median(malloc_ms), mapped = median(mmap_ms);
  std::cout << fmt::format(
      "1. Frame buffers: 1080p RGB ({}), acquire + touch every page + release, {} in flight at "
      "a time, median of {} rounds\n",
      human_bytes(static_cast<double>(bytes)), kInFlight, kRounds);
  std::cout << fmt::format("   BufferPool                            {:>9} a frame\n",
                           human_ms(pooled));
  std::cout << fmt::format(
      "   malloc/free, glibc defaults           {:>9} a frame  (pool {:.2f}x)\n", human_ms(heap),
      heap / pooled);
  std::cout << fmt::format(
      "   malloc/free, mmap threshold 128 KiB   {:>9} a frame  (pool {:.1f}x)\n", human_ms(mapped),
      mapped / pooled);
  std::cout
      << "   (freeing a burst leaves glibc a free heap top above its trim threshold, which it\n"
         "    returns to the OS, so the next burst faults every page in again; one frame at a\n"
         "    time glibc keeps the block and matches the pool: opusperf bench memory --in-flight "
         "1)\n\n";
}

// A cache of rebuildable results held in real heap blocks, registered as a trimmer.
class ThumbnailCache {
 public:
  explicit ThumbnailCache(std::uint64_t bytes) : blocks_(bytes / kMiB) {
    for (auto& b : blocks_)
      b.assign(kMiB, 'x');
  }
  Trimmer trimmer() {
    return {"thumbnail_cache", 20,
            [this](PressureLevel level) {
              const std::size_t keep = level == PressureLevel::kElevated ? blocks_.size() / 2 : 0;
              const std::uint64_t freed = (blocks_.size() - keep) * kMiB;
              blocks_.resize(keep);
              blocks_.shrink_to_fit();
              return freed;
            },
            [this] { return blocks_.size() * kMiB; }};
  }

 private:
  std::vector<std::vector<char>> blocks_;
};

void print_response(const MemoryResponse& r) {
  std::cout << fmt::format("   response at level {}: trimmers freed {} of {} they held\n",
                           to_string(r.level),
                           human_bytes(static_cast<double>(r.trimmers_freed_bytes)),
                           human_bytes(static_cast<double>(r.reclaimable_before_bytes)));
  for (const TrimStep& s : r.steps) {
    std::cout << fmt::format("     {:<16} priority {:>2}  held {:>10}  freed {:>10}\n", s.name,
                             s.priority, human_bytes(static_cast<double>(s.reclaimable_before)),
                             human_bytes(static_cast<double>(s.bytes_freed)));
  }
  std::cout << fmt::format("     malloc_trim(0) returned {} (RSS drop across it)\n",
                           human_bytes(static_cast<double>(r.malloc_trim_freed_bytes)));
  std::cout << fmt::format("   process RSS {} -> {} in {}\n",
                           human_bytes(static_cast<double>(r.rss_before_bytes)),
                           human_bytes(static_cast<double>(r.rss_after_bytes)),
                           human_ms(std::chrono::duration<double, std::milli>(r.took).count()));
}

// Part 2: idle frames and a cache, then the simulated cgroup goes to 92% of its limit.
void pressure_response(MemoryOptimizer& memory, SimulatedCgroup& cgroup, ManualClock& clock) {
  const std::uint64_t limit = 2048 * kMiB;
  ThumbnailCache cache(96 * kMiB);
  auto registration = memory.trimmers().add(cache.trimmer());
  {
    std::vector<Buffer> in_flight;  // a burst of 12 frames in flight, then idle in the pool
    for (int i = 0; i < 12; ++i) {
      in_flight.push_back(
          memory.frame_pool().acquire(frame_bytes(1920, 1080, PixelFormat::kRgb24)));
      touch_pages(in_flight.back().data(), in_flight.back().size());
    }
  }
  std::cout << "2. Pressure response (simulated cgroup v2, limit "
            << human_bytes(static_cast<double>(limit)) << "; RSS and freed memory are real)\n";
  cgroup.set_memory(limit / 2, limit);
  std::cout << fmt::format("   usage 50%: level {}\n", to_string(memory.tick().level));
  cgroup.set_memory(limit * 92 / 100, limit);
  const MemoryTick t = memory.tick();
  std::cout << fmt::format("   usage 92%: level {}\n", to_string(t.level));
  if (t.response) print_response(*t.response);
  clock.advance(std::chrono::seconds(5));
  const MemoryTick again = memory.tick();
  std::cout << fmt::format(
      "   5 s later, still 92%: {}\n\n",
      again.skipped_in_cooldown ? "no second response (inside the cooldown)" : "responded again");
  cgroup.set_memory(limit / 2, limit);
  memory.tick();
}

// Part 3: three decoders hold frames; decoder-2 keeps 1 MiB more every simulated second. One tick
// a monitoring interval, as the background thread would; the clock is simulated, the buffers real.
void planted_leak(MemoryOptimizer& memory, ManualClock& clock, std::chrono::milliseconds interval) {
  const double interval_s = std::chrono::duration<double>(interval).count();
  const auto leak_per_tick = static_cast<int>(std::max(1.0, std::round(interval_s)));
  std::cout << fmt::format(
      "3. Planted leak: decoder-2 keeps 1 MiB of real buffers a second; one tick every {} "
      "(simulated)\n",
      human_ms(interval_s * 1e3));
  BufferPoolOptions small;
  small.size_classes = {kMiB};
  BufferPool pool(small);
  std::vector<std::pair<Buffer, TrackedAllocation>> working, leaked;
  std::optional<double> found_s;
  constexpr double kLeakStart = 10;
  double now_s = 0;
  for (int tick = 0; tick < 100 && !found_s; ++tick, now_s += interval_s) {
    working.clear();
    for (const char* owner : {"decoder-1", "decoder-2", "decoder-3"}) {
      for (int f = 0; f < 8; ++f)
        working.emplace_back(pool.acquire(kMiB),
                             memory.tracker().track("decoder.frames", kMiB, owner));
    }
    for (int i = 0; now_s >= kLeakStart && i < leak_per_tick; ++i)
      leaked.emplace_back(pool.acquire(kMiB),
                          memory.tracker().track("decoder.frames", kMiB, "decoder-2"));
    for (const MemoryLeak& l : memory.tick().new_leaks) {
      std::cout << fmt::format("   t={:>4.0f} s  flagged {} '{}'{} growing {}/s (fit {:.2f})\n",
                               now_s, l.kind, l.name,
                               l.owner.empty() ? "" : " held by '" + l.owner + "'",
                               human_bytes(l.finding.rate_bytes_per_s), l.finding.fit);
      if (l.kind == "owner") found_s = now_s;
    }
    clock.advance(interval);
  }
  std::cout << (found_s
                    ? fmt::format(
                          "   found {:.0f} s after it began ({} leaked), blamed on its owner\n\n",
                          *found_s - kLeakStart, human_bytes(leaked.size() * double(kMiB)))
                    : std::string("   the leak was not found within 100 ticks\n\n"));
}

int run_memory(const MemoryExampleOptions& o, const QuickstartContext& ctx) {
  if (o.frames < 10) throw InputError("--frames must be at least 10");
  // Declared before the optimizer, which ends up owning a MemoryOptimizer that uses them.
  ManualClock clock;
  SimulatedCgroup cgroup(std::filesystem::temp_directory_path() /
                         fmt::format("opusperf_quickstart_memory_{}", ::getpid()));
  PerformanceOptimizer opt(ctx.config);
  ServeScope serve(opt, ctx.serve);
  auto memory =
      std::make_unique<MemoryOptimizer>(ctx.config, opt.metrics(), clock, cgroup.sampler());
  std::cerr << fmt::format("quickstart memory: profile {}\n", ctx.config.profile);

  compare_frames(opt, memory->frame_pool(), o.frames);
  pressure_response(*memory, cgroup, clock);
  planted_leak(*memory, clock, ctx.config.monitoring_interval);

  opt.add_component(std::make_unique<MemoryComponent>(std::move(memory)));
  finish_quickstart(opt, ctx);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "memory",
    "BufferPool vs malloc, a pressure response and a planted leak found by the MemoryOptimizer",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<MemoryExampleOptions>();
      cmd.add_option("--frames", o->frames, "1080p RGB frames timed through the pool and malloc")
          ->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_memory(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
