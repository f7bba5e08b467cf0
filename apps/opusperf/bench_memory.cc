// `opusperf bench memory`: the BufferPool against malloc for 1080p RGB frames, the cost of a pool
// hit, upstream allocations of a warmed pool, and the leak detector on simulated workloads
// (bench/memory). With --json, one JSON object on stdout; logs go to stderr either way.
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/memory/leak_scenarios.h"
#include "bench/memory/pool_vs_malloc.h"
#include "command_registry.h"
#include "format.h"
#include "opusperf/core/errors.h"

namespace opusperf::cli {
namespace {

struct MemoryBenchOptions {
  int rounds = 5;
  int frames = 200;
  int in_flight = 4;
  bool json = false;
};

// Sends spdlog's default logger to stderr for the life of the object, so stdout holds only the
// result; restores the previous logger afterwards.
class LogsToStderr {
 public:
  LogsToStderr() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>(
        "bench-memory", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    logger->set_level(previous_->level());
    spdlog::set_default_logger(std::move(logger));
  }
  ~LogsToStderr() { spdlog::set_default_logger(previous_); }
  LogsToStderr(const LogsToStderr&) = delete;
  LogsToStderr& operator=(const LogsToStderr&) = delete;

 private:
  std::shared_ptr<spdlog::logger> previous_;
};

nlohmann::json scenario_json(const bench::LeakScenarioResult& r) {
  nlohmann::json j = {{"scenario", r.scenario},
                      {"simulated_s", r.simulated_s},
                      {"false_alarms", r.false_alarms},
                      {"flagged", r.flagged}};
  if (r.detected_after_s) j["detected_after_s"] = *r.detected_after_s;
  if (!r.blamed_owner.empty()) j["blamed"] = r.blamed_name + "/" + r.blamed_owner;
  return j;
}

void print_table(const bench::PoolBenchmarkResult& p, const nlohmann::json& out) {
  const auto ns = [](double v) { return human_ms(v / 1e6); };
  std::cout << fmt::format(
      "BufferPool vs malloc, {} frames (acquire/malloc + touch every page + release/free), "
      "median of rounds\n",
      human_bytes(static_cast<double>(p.frame_bytes)));
  std::cout << fmt::format("  {} frames in flight, then all released:\n", p.frames_in_flight);
  std::cout << fmt::format("  pool                                 {:>10} a frame\n",
                           ns(p.pool_ns_per_frame));
  std::cout << fmt::format("  malloc, glibc defaults               {:>10} a frame   pool {:.2f}x\n",
                           ns(p.malloc_ns_per_frame), p.speedup_vs_malloc);
  std::cout << "  one frame at a time:\n";
  std::cout << fmt::format("  pool                                 {:>10} a frame\n",
                           ns(p.single_pool_ns_per_frame));
  std::cout << fmt::format("  malloc, glibc defaults               {:>10} a frame   pool {:.2f}x\n",
                           ns(p.single_malloc_ns_per_frame), p.single_speedup_vs_malloc);
  if (p.mmap_malloc_ns_per_frame > 0) {
    std::cout << fmt::format(
        "  malloc, mmap threshold pinned 128 KiB {:>10} a frame   pool {:.1f}x{}\n",
        ns(p.mmap_malloc_ns_per_frame), p.speedup_vs_mmap_malloc,
        p.mmap_malloc_verified ? "" : "  (malloc was NOT seen to mmap: figure not meaningful)");
  }
  std::cout << fmt::format("  pool hit (acquire + release)         {:>10}\n", ns(p.pool_hit_ns));
  std::cout << fmt::format(
      "  upstream allocations after warm-up   {} over {} frames of 3 sizes\n\n",
      p.upstream_allocs_after_warmup, p.upstream_check_frames);
  std::cout << "Leak detector, simulated workloads (one tick a simulated second)\n";
  for (const auto& s : out["scenarios"]) {
    std::string detail = fmt::format("{} false alarms", s["false_alarms"].get<int>());
    if (s.contains("detected_after_s")) {
      detail += fmt::format(", leak flagged {:.0f} s after it began, blamed on {}",
                            s["detected_after_s"].get<double>(), s.value("blamed", "-"));
    }
    std::cout << fmt::format("  {:<9} {:>5.0f} s  {}\n", s["scenario"].get<std::string>(),
                             s["simulated_s"].get<double>(), detail);
    for (const auto& f : s["flagged"])
      std::cout << "              flagged: " << f.get<std::string>() << "\n";
  }
}

int run_memory_bench(const MemoryBenchOptions& o) {
  if (o.rounds < 1) throw InputError("bench memory: --rounds must be at least 1");
  if (o.frames < 1) throw InputError("bench memory: --frames must be at least 1");
  if (o.in_flight < 1 || o.in_flight > 64) {
    throw InputError("bench memory: --in-flight must be in [1, 64]");
  }
  LogsToStderr logs;
  bench::PoolBenchmarkOptions po;
  po.rounds = o.rounds;
  po.frames_per_round = o.frames;
  po.frames_in_flight = o.in_flight;
  std::cerr << "bench memory: pool vs malloc ...\n";
  const bench::PoolBenchmarkResult p = bench::run_pool_benchmark(po);

  nlohmann::json scenarios = nlohmann::json::array();
  nlohmann::json out;
  int false_alarms = 0;
  for (const std::string& name : bench::leak_scenario_names()) {
    std::cerr << "bench memory: leak scenario " << name << " ...\n";
    const auto scratch = std::filesystem::temp_directory_path() /
                         fmt::format("opusperf_bench_memory_{}_{}", ::getpid(), name);
    const bench::LeakScenarioResult r = bench::run_leak_scenario(name, scratch);
    false_alarms += r.false_alarms;
    if (name == "leak") {
      out["leak_detected_after_s"] =
          r.detected_after_s ? nlohmann::json(*r.detected_after_s) : nlohmann::json(nullptr);
      out["leak_blamed"] = r.blamed_owner;
      out["leak_blamed_name"] = r.blamed_name;
    }
    scenarios.push_back(scenario_json(r));
  }
  out["pool_speedup"] = p.speedup_vs_malloc;
  out["pool_speedup_vs_mmap_malloc"] = p.speedup_vs_mmap_malloc;
  out["frames_in_flight"] = p.frames_in_flight;
  out["pool_speedup_single_frame"] = p.single_speedup_vs_malloc;
  out["pool_ns_per_frame_single"] = p.single_pool_ns_per_frame;
  out["malloc_ns_per_frame_single"] = p.single_malloc_ns_per_frame;
  out["pool_ns_per_frame"] = p.pool_ns_per_frame;
  out["malloc_ns_per_frame"] = p.malloc_ns_per_frame;
  out["mmap_malloc_ns_per_frame"] = p.mmap_malloc_ns_per_frame;
  out["mmap_malloc_verified"] = p.mmap_malloc_verified;
  out["frame_bytes"] = p.frame_bytes;
  out["pool_hit_ns"] = p.pool_hit_ns;
  out["upstream_allocs_after_warmup"] = p.upstream_allocs_after_warmup;
  out["upstream_check_frames"] = p.upstream_check_frames;
  out["false_alarms"] = false_alarms;
  out["scenarios"] = std::move(scenarios);
  if (o.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    print_table(p, out);
  }
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_bench_suite({
    "memory",
    "BufferPool vs malloc for video frames, pool hit cost, and leak detection on simulated "
    "workloads",
    [](CLI::App& cmd, int& exit_code) {
      auto o = std::make_shared<MemoryBenchOptions>();
      cmd.add_option("--rounds", o->rounds, "Interleaved rounds; figures are medians")
          ->capture_default_str();
      cmd.add_option("--frames", o->frames, "Frames a round for pool and malloc")
          ->capture_default_str();
      cmd.add_option("--in-flight", o->in_flight,
                     "Frames held at once before all are released (a decoder's burst)")
          ->capture_default_str();
      cmd.add_flag("--json", o->json, "Print one JSON object to stdout");
      cmd.callback([o, &exit_code] { exit_code = run_memory_bench(*o); });
    },
});

}  // namespace
}  // namespace opusperf::cli
