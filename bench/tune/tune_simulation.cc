#include "bench/tune/tune_simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>

#include "bench/tune/overload_server.h"
#include "opusperf/core/clock.h"
#include "opusperf/monitor/latency_histogram.h"
#include "opusperf/tune/adaptive_performance_tuner.h"
#include "opusperf/tune/controller_factory.h"

namespace opusperf::bench::tune {
namespace {

// Peak throughput of the closed-loop model, work units per second. Only ratios are reported, so
// the value is arbitrary.
constexpr double kClosedLoopPeak = 1000.0;
constexpr double kReachShare = 0.95;

std::chrono::nanoseconds ns(double ms) {
  return std::chrono::nanoseconds(std::llround(ms * 1e6));
}

// Per-phase bookkeeping: the model share and the knob's value at every sample.
struct PhaseTrace {
  std::vector<double> share;
  std::vector<double> value;
};

PhaseOutcome summarize_phase(const ScenarioPhase& phase, const PhaseTrace& trace, double sample_s) {
  PhaseOutcome o;
  o.seconds = phase.seconds;
  o.optimum = phase.optimum;
  const std::size_t n = trace.share.size();
  if (n == 0) return o;
  const auto window = static_cast<std::size_t>(std::max(1.0, std::round(1.0 / sample_s)));
  double trailing = 0.0;  // sum of the last `window` shares
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    trailing += trace.share[i];
    total += trace.share[i];
    if (i >= window) trailing -= trace.share[i - window];
    const std::size_t count = std::min(i + 1, window);
    if (!o.time_to_95_s && trailing / static_cast<double>(count) >= kReachShare - 1e-9) {
      o.time_to_95_s = static_cast<double>(i + 1) * sample_s;
    }
  }
  o.mean_share = total / static_cast<double>(n);
  const auto steady_begin = trace.value.begin() + static_cast<std::ptrdiff_t>(n / 2);
  const auto [lo, hi] = std::minmax_element(steady_begin, trace.value.end());
  o.steady_min = *lo;
  o.steady_max = *hi;
  o.steady_spread = *hi - *lo;
  o.final_value = trace.value.back();
  return o;
}

}  // namespace

TuneSimulationResult simulate_tuning(const TuneScenario& scenario, std::string_view controller,
                                     std::uint64_t seed) {
  ManualClock clock;
  const std::chrono::nanoseconds sample = ns(scenario.sample_ms);
  const double sample_s = std::chrono::duration<double>(sample).count();
  double total_samples = 0;
  for (const ScenarioPhase& p : scenario.phases)
    total_samples += std::round(p.seconds / sample_s);

  TunerOptions options;
  options.interval = ns(scenario.interval_ms);
  // Keep the whole run's decisions: the report of a simulation is its full log.
  options.history_size = static_cast<std::size_t>(std::max(1000.0, total_samples));
  options.samples_per_interval = static_cast<std::size_t>(
      std::max(1.0, std::round(scenario.interval_ms / scenario.sample_ms)));
  AdaptivePerformanceTuner tuner(options, clock);

  double x = scenario.knob_start;  // the concurrency the workload runs at
  Knob& knob = tuner.add_knob({.name = "concurrency",
                               .min = scenario.knob_min,
                               .max = scenario.knob_max,
                               .step = scenario.knob_step,
                               .initial = scenario.knob_start,
                               .max_factor_per_move = scenario.knob_max_factor_per_move,
                               .cost = KnobCost::kIncreasing,
                               .apply = [&x](double v) { x = v; }},
                              make_controller(controller));
  x = knob.value();

  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  const auto speed = [&] { return std::max(0.05, 1.0 + scenario.noise * normal(rng)); };
  const bool open_loop = scenario.overload > 0;
  OverloadServer server(scenario.service_ms / 1000.0, seed ^ 0x9e3779b97f4a7c15ULL);
  LatencyHistogram latencies;
  std::uint64_t completed = 0;
  std::uint64_t arrived = 0;
  std::uint64_t rejected = 0;
  double capacity = 0.0;  // peak x duration, summed over phases

  TuneSimulationResult result;
  result.scenario = scenario.source;
  result.controller = std::string(controller);
  result.seed = seed;
  for (const ScenarioPhase& phase : scenario.phases) {
    const auto samples = static_cast<std::size_t>(std::round(phase.seconds / sample_s));
    const double best =
        best_fixed_share(scenario.shape, phase.optimum, knob.min(), knob.max(), knob.step());
    const ServerLoad load{scenario.shape, phase.optimum,
                          scenario.overload * server.peak(phase.optimum)};
    capacity += server.peak(phase.optimum) * static_cast<double>(samples) * sample_s;
    PhaseTrace trace;
    trace.share.reserve(samples);
    trace.value.reserve(samples);
    for (std::size_t i = 0; i < samples; ++i) {
      trace.share.push_back(relative_throughput(scenario.shape, x, phase.optimum) / best);
      trace.value.push_back(x);
      PerformanceSample s;
      s.period = sample;
      if (open_loop) {
        const ServerPeriod p = server.run(sample_s, x, speed(), load, &latencies);
        completed += p.completed;
        arrived += p.arrived;
        rejected += p.rejected;
        s.throughput = static_cast<double>(p.completed) / sample_s;
        if (p.completed > 0) {
          s.latency = std::chrono::nanoseconds(
              std::llround(p.latency_sum_s / static_cast<double>(p.completed) * 1e9));
        }
        s.concurrency = p.mean_in_service;
      } else {
        s.throughput =
            kClosedLoopPeak * relative_throughput(scenario.shape, x, phase.optimum) * speed();
        if (s.throughput > 0) {
          s.latency = std::chrono::nanoseconds(std::llround(x / s.throughput * 1e9));
        }
        s.concurrency = x;
      }
      clock.advance(sample);
      s.at = clock.now();
      tuner.record_performance(s);
      tuner.tick();
    }
    result.phases.push_back(summarize_phase(phase, trace, sample_s));
  }

  if (open_loop) {
    // The no-load baseline: the same server model and noise, one request in service at a time.
    OverloadServer idle(scenario.service_ms / 1000.0, seed ^ 0x9e3779b97f4a7c15ULL);
    std::mt19937_64 idle_rng(seed);
    std::normal_distribution<double> idle_normal(0.0, 1.0);
    LatencyHistogram no_load;
    for (const ScenarioPhase& phase : scenario.phases) {
      const ServerLoad load{scenario.shape, phase.optimum,
                            scenario.overload * idle.peak(phase.optimum)};
      const auto samples = static_cast<std::size_t>(std::round(phase.seconds / sample_s));
      for (std::size_t i = 0; i < samples; ++i) {
        idle.run(sample_s, 1.0, std::max(0.05, 1.0 + scenario.noise * idle_normal(idle_rng)), load,
                 &no_load);
      }
    }
    OverloadOutcome o;
    o.goodput_share = capacity > 0 ? static_cast<double>(completed) / capacity : 0.0;
    o.p99_ms = static_cast<double>(latencies.percentile(0.99)) / 1e6;
    o.no_load_p99_ms = static_cast<double>(no_load.percentile(0.99)) / 1e6;
    o.p99_ratio = o.no_load_p99_ms > 0 ? o.p99_ms / o.no_load_p99_ms : 0.0;
    o.rejected_share =
        arrived > 0 ? static_cast<double>(rejected) / static_cast<double>(arrived) : 0;
    result.overload = o;
  }
  result.decisions = tuner.decisions();
  result.final_strategy = tuner.current_strategy().summary();
  return result;
}

nlohmann::json to_json(const TuneSimulationResult& r) {
  const auto rounded = [](double v) { return std::round(v * 1e4) / 1e4; };
  nlohmann::json phases = nlohmann::json::array();
  for (const PhaseOutcome& p : r.phases) {
    phases.push_back({{"time_to_95_s", p.time_to_95_s ? nlohmann::json(rounded(*p.time_to_95_s))
                                                      : nlohmann::json(nullptr)},
                      {"mean_share", rounded(p.mean_share)},
                      {"steady_spread", p.steady_spread},
                      {"final_value", p.final_value},
                      {"seconds", p.seconds},
                      {"optimum", p.optimum},
                      {"steady_min", p.steady_min},
                      {"steady_max", p.steady_max}});
  }
  nlohmann::json overload = nullptr;
  if (r.overload) {
    overload = {{"goodput_share", rounded(r.overload->goodput_share)},
                {"p99_ratio", rounded(r.overload->p99_ratio)},
                {"p99_ms", rounded(r.overload->p99_ms)},
                {"no_load_p99_ms", rounded(r.overload->no_load_p99_ms)},
                {"rejected_share", rounded(r.overload->rejected_share)}};
  }
  return {{"scenario", r.scenario},
          {"controller", r.controller},
          {"seed", r.seed},
          {"phases", std::move(phases)},
          {"overload", std::move(overload)},
          {"decisions_total", r.decisions.size()},
          {"final_strategy", r.final_strategy}};
}

}  // namespace opusperf::bench::tune
