// `opusperf bench alloc`: the caching device allocator against the allocator it replaces (malloc/
// free on the host backend, cudaMalloc/cudaFree on the CUDA backend) on RMM's random allocation
// workload, plus the reserved memory of the fragmenting sequence with and without expandable
// segments (bench/gpu/alloc_bench.h). With --json, one JSON object on stdout:
//   {"backend", "ops", "pool_ns_per_op", "malloc_ns_per_op", "speedup", "upstream_share",
//    "expandable_reserved_mib", "plain_reserved_mib", "repetitions", ...}
// where malloc_ns_per_op is the baseline's figure (named by "baseline"); per-operation figures are
// medians over --repetitions measured runs of each side (each run in "pool_runs_ns_per_op" and
// "malloc_runs_ns_per_op"), the baseline measured after --baseline-warmups runs (each in
// "malloc_warmup_runs_ns_per_op"): glibc's malloc gets ~3x faster on this workload over its
// first runs, and the figure that counts is the one it settles at. "floor_ns_per_op" is the
// size-class floor's median (bench/gpu/size_class_floor.h: the least any thread-safe caching
// allocator freed by address does) and "floor_speedup" the baseline's over it: the most speed-up
// an allocator of the pool's kind could show in this run.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/gpu/alloc_bench.h"
#include "command_registry.h"
#include "opusperf/core/errors.h"
#include "opusperf/gpu/backend_factory.h"

namespace opusperf::cli {
namespace {

struct AllocOptions {
  std::size_t ops = 100'000;
  std::size_t max_usage_mib = 1024;
  std::string backend = "auto";
  std::uint64_t seed = 42;
  int repetitions = 5;
  int baseline_warmups = 3;
  bool json = false;
};

double rounded(double x, double scale) {
  return std::round(x * scale) / scale;
}

std::vector<double> rounded_all(std::vector<double> xs) {
  for (double& x : xs)
    x = rounded(x, 10);
  return xs;
}

int run_alloc(const AllocOptions& o) {
  if (o.ops < 2 || o.ops % 2 != 0) {
    throw InputError(fmt::format("bench alloc: --ops must be an even number >= 2, got {}", o.ops));
  }
  if (o.max_usage_mib < 1) throw InputError("bench alloc: --max-usage-mib must be at least 1");
  if (o.repetitions < 1) {
    throw InputError(
        fmt::format("bench alloc: --repetitions must be at least 1, got {}", o.repetitions));
  }
  if (o.baseline_warmups < 0) {
    throw InputError(fmt::format("bench alloc: --baseline-warmups must be at least 0, got {}",
                                 o.baseline_warmups));
  }
  const gpu::BackendChoice choice = gpu::make_backend(o.backend);
  std::cerr << fmt::format(
      "bench alloc: {} backend ({}), {} operations, at most {} MiB live, {} measured runs each\n",
      choice.backend->name(), choice.note, o.ops, o.max_usage_mib, o.repetitions);
  bench::AllocBenchOptions options;
  options.workload.operations = o.ops;
  options.workload.max_usage = o.max_usage_mib << 20;
  options.workload.seed = o.seed;
  options.repetitions = o.repetitions;
  options.baseline_warmups = o.baseline_warmups;
  const bench::AllocBenchResult r = bench::run_alloc_bench(*choice.backend, options);

  if (o.json) {
    const nlohmann::json out = {
        {"backend", r.backend},
        {"ops", r.ops},
        {"pool_ns_per_op", rounded(r.pool_ns_per_op, 10)},
        {"malloc_ns_per_op", rounded(r.baseline_ns_per_op, 10)},
        {"speedup", rounded(r.speedup, 100)},
        {"upstream_share", rounded(r.upstream_share, 1e6)},
        {"expandable_reserved_mib", r.expandable_reserved_mib},
        {"plain_reserved_mib", r.plain_reserved_mib},
        {"baseline", r.baseline},
        {"pool_cold_ns_per_op", rounded(r.pool_cold_ns_per_op, 10)},
        {"upstream_share_cold", rounded(r.upstream_share_cold, 1e6)},
        {"upstream_calls", r.upstream_calls},
        {"requests", r.requests},
        {"backend_note", choice.note},
        {"repetitions", r.repetitions},
        {"timing", r.timing},
        {"floor_ns_per_op", rounded(r.floor_ns_per_op, 10)},
        {"floor_speedup", rounded(r.floor_speedup, 100)},
        {"pool_runs_ns_per_op", rounded_all(r.pool_runs_ns_per_op)},
        {"floor_runs_ns_per_op", rounded_all(r.floor_runs_ns_per_op)},
        {"malloc_runs_ns_per_op", rounded_all(r.baseline_runs_ns_per_op)},
        {"malloc_warmup_runs_ns_per_op", rounded_all(r.baseline_warmup_ns_per_op)},
    };
    std::cout << out.dump(1) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format(
      "random alloc/free, {} operations (73% allocate, 1 B - 1 MiB), {} backend; medians of {} "
      "runs each\n",
      r.ops, r.backend, r.repetitions);
  std::cout << fmt::format(
      "  caching allocator   {:>9.1f} ns/op  (first run, cache empty: {:.1f})\n", r.pool_ns_per_op,
      r.pool_cold_ns_per_op);
  std::cout << fmt::format("  {:<19} {:>9.1f} ns/op  (its warm-up runs: {:.1f})\n", r.baseline,
                           r.baseline_ns_per_op, fmt::join(r.baseline_warmup_ns_per_op, ", "));
  std::cout << fmt::format("  speedup             {:>9.1f}x   (goal >= 20x, <= 1000 ns/op)\n",
                           r.speedup);
  std::cout << fmt::format(
      "  size-class floor    {:>9.1f} ns/op  (no best fit, splitting or statistics: at most "
      "{:.1f}x for any pool of this kind)\n",
      r.floor_ns_per_op, r.floor_speedup);
  std::cout << fmt::format(
      "  upstream calls      {:>9} of {} requests = {:.4f}%  (first run {:.2f}%; goal <= 1%)\n",
      r.upstream_calls, r.requests, 100 * r.upstream_share, 100 * r.upstream_share_cold);
  std::cout << fmt::format(
      "8 x 16 MiB freed, then 4 x 32 MiB: {:.0f} MiB reserved with expandable segments, {:.0f} "
      "MiB with plain ones (goal <= 144)\n",
      r.expandable_reserved_mib, r.plain_reserved_mib);
  return kExitOk;
}

[[maybe_unused]] const bool kRegistered = register_bench_suite({
    "alloc",
    "caching device allocator vs malloc/free (or cudaMalloc/cudaFree) on random alloc/free",
    [](CLI::App& cmd, int& exit_code) {
      auto o = std::make_shared<AllocOptions>();
      cmd.add_option("--ops", o->ops, "Operations per run (allocations + frees), even")
          ->capture_default_str();
      cmd.add_option("--max-usage-mib", o->max_usage_mib, "Most memory live at once, MiB")
          ->capture_default_str();
      cmd.add_option("--backend", o->backend, "Device backend: auto, host or cuda")
          ->capture_default_str();
      cmd.add_option("--seed", o->seed, "Workload random seed")->capture_default_str();
      cmd.add_option("--repetitions", o->repetitions,
                     "Measured runs of each side; figures are their medians")
          ->capture_default_str();
      cmd.add_option("--baseline-warmups", o->baseline_warmups,
                     "Runs of the baseline before it is measured (malloc adapts over them)")
          ->capture_default_str();
      cmd.add_flag("--json", o->json, "Print one JSON object to stdout");
      cmd.callback([o, &exit_code] { exit_code = run_alloc(*o); });
    },
});

}  // namespace
}  // namespace opusperf::cli
