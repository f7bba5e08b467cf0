#include "opusperf/memory/memory_optimizer.h"

#include <fmt/format.h>
#include <malloc.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "opusperf/core/config_loader.h"
#include "opusperf/memory/buffer_pool_trimmer.h"

namespace opusperf {
namespace {

PressureThresholds thresholds_of(const OptimizationConfig& config,
                                 const MemoryOptimizerOptions& options) {
  PressureThresholds t = PressureThresholds::from(config);
  t.share_hysteresis = options.share_hysteresis;
  t.psi_hysteresis = options.psi_hysteresis;
  return t;
}

// The leak detector's options, with the resolution no finer than the sampling interval.
LeakDetectorOptions leak_options(const OptimizationConfig& config, LeakDetectorOptions o) {
  const std::chrono::nanoseconds interval = config.monitoring_interval;
  if (interval > o.resolution) {
    o.resolution = interval;
    const auto min_window = 8 * interval;
    if (o.window < min_window) o.window = min_window;
    o.window = (o.window + interval - std::chrono::nanoseconds(1)) / interval * interval;
  }
  return o;
}

const OptimizationConfig& validated(const OptimizationConfig& config) {
  validate(config);
  return config;
}

std::string human(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (std::abs(bytes) >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", bytes, units[u]);
}

}  // namespace

struct MemoryOptimizer::Metrics {
  explicit Metrics(Registry& r)
      : level(r.gauge("opusperf_memory_pressure_level",
                      "Memory pressure level: 0 normal, 1 elevated, 2 high, 3 critical")
                  .with({})),
        usage_share(r.gauge("opusperf_memory_usage_ratio",
                            "Memory usage over the limit that applies (cgroup, else physical)")
                        .with({})),
        psi_some(r.gauge("opusperf_memory_psi_some_avg10_percent",
                         "PSI memory some avg10: share of time some task stalled on memory")
                     .with({})),
        heap_free(r.gauge("opusperf_memory_heap_free_bytes",
                          "Free bytes inside glibc's arenas (mallinfo2 fordblks)")
                      .with({})),
        responses(r.counter("opusperf_memory_responses_total",
                            "Pressure responses and forced trims", {"reason", "level"})),
        freed(r.counter("opusperf_memory_freed_bytes_total",
                        "Bytes freed by responses, by trimmer (malloc_trim: the RSS drop)",
                        {"trimmer"})),
        leaks_detected(
            r.counter("opusperf_memory_leaks_detected_total", "Series flagged as leaking")
                .with({})),
        leaks_active(
            r.gauge("opusperf_memory_leaks_active", "Series flagged as leaking now").with({})),
        pool_bytes(r.gauge("opusperf_buffer_pool_bytes", "Frame pool bytes by state", {"state"})),
        pool_events(r.counter("opusperf_buffer_pool_events_total",
                              "Frame pool acquisitions by outcome, and upstream allocations",
                              {"event"})) {}

  Gauge& level;
  Gauge& usage_share;
  Gauge& psi_some;
  Gauge& heap_free;
  Family<Counter>& responses;
  Family<Counter>& freed;
  Counter& leaks_detected;
  Gauge& leaks_active;
  Family<Gauge>& pool_bytes;
  Family<Counter>& pool_events;
  BufferPoolStats exported_pool;  // the pool counters as last exported (counters take deltas)
};

MemoryOptimizer::MemoryOptimizer(const OptimizationConfig& config, Registry& metrics, Clock& clock,
                                 SystemSampler sampler, MemoryOptimizerOptions options)
    : config_(validated(config)),
      options_(std::move(options)),
      clock_(clock),
      started_(clock.now()),
      tracker_(&metrics),
      frame_pool_(options_.frame_pool),
      frame_pool_trimmer_(trimmers_.add(buffer_pool_trimmer(frame_pool_, "frame_pool"))),
      leaks_(clock, leak_options(config_, options_.leaks)),
      metrics_(std::make_unique<Metrics>(metrics)),
      sampler_(std::move(sampler)),
      classifier_(thresholds_of(config_, options_)),
      responses_(std::max<std::size_t>(1, options_.response_history)) {
  if (options_.cooldown < std::chrono::nanoseconds(0)) {
    throw std::invalid_argument("MemoryOptimizerOptions: cooldown must be >= 0");
  }
}

MemoryOptimizer::~MemoryOptimizer() {
  stop();
}

void MemoryOptimizer::start() {
  std::lock_guard lock(run_mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void MemoryOptimizer::stop() {
  std::thread t;
  {
    std::lock_guard lock(run_mu_);
    stopping_ = true;
    t = std::move(thread_);
  }
  run_cv_.notify_all();
  if (t.joinable()) t.join();
}

void MemoryOptimizer::run() {
  std::unique_lock lock(run_mu_);
  while (!stopping_) {
    // A condition-variable wait, not a sleep: stop() wakes it at once.
    if (run_cv_.wait_for(lock, config_.monitoring_interval, [this] { return stopping_; })) break;
    lock.unlock();
    try {
      tick();
    } catch (const std::exception& e) {
      spdlog::warn("memory tick failed: {}", e.what());
    }
    lock.lock();
  }
}

PressureLevel MemoryOptimizer::level() const {
  std::lock_guard lock(state_mu_);
  return level_;
}

std::uint64_t MemoryOptimizer::bytes_needed(const MemoryState& state) const {
  if (!state.usage_bytes || !state.limit_bytes) return 0;
  const double exit_share = classifier_.thresholds().elevated - options_.share_hysteresis;
  const double goal = exit_share * static_cast<double>(*state.limit_bytes);
  const double need = static_cast<double>(*state.usage_bytes) - goal;
  return need > 0 ? static_cast<std::uint64_t>(need) : 0;
}

MemoryResponse MemoryOptimizer::respond(PressureLevel level, std::string reason,
                                        const MemoryState& state, std::uint64_t target_bytes) {
  const auto t0 = std::chrono::steady_clock::now();
  MemoryResponse r;
  r.reason = std::move(reason);
  r.level = level;
  r.at = clock_.now() - started_;
  r.usage_share = state.usage_share;
  r.target_bytes = target_bytes;
  r.rss_before_bytes = state.rss_bytes;
  for (const TrimmerInfo& t : trimmers_.list())
    r.reclaimable_before_bytes += t.reclaimable_bytes;
  r.steps = trimmers_.run(level, target_bytes);
  for (const TrimStep& s : r.steps)
    r.trimmers_freed_bytes += s.bytes_freed;
  r.rss_after_bytes = sampler_.sample().rss_bytes;
  if (options_.malloc_trim) {
    // What malloc_trim returns to the OS is measured as the RSS drop across it.
    const std::uint64_t before_trim = r.rss_after_bytes;
    ::malloc_trim(0);
    r.malloc_trimmed = true;
    r.rss_after_bytes = sampler_.sample().rss_bytes;
    r.malloc_trim_freed_bytes =
        before_trim > r.rss_after_bytes ? before_trim - r.rss_after_bytes : 0;
  }
  r.took = std::chrono::steady_clock::now() - t0;

  last_response_at_ = clock_.now();
  last_response_level_ = level;
  metrics_->responses.with({r.reason, std::string(to_string(level))}).inc();
  for (const TrimStep& s : r.steps)
    metrics_->freed.with({s.name}).inc(s.bytes_freed);
  metrics_->freed.with({"malloc_trim"}).inc(r.malloc_trim_freed_bytes);
  spdlog::info(
      "memory response ({}, level {}, usage {}): trimmers freed {} of {} reclaimable "
      "(target {}), malloc_trim {}; RSS {} -> {} in {:.2f} ms",
      r.reason, to_string(level),
      r.usage_share ? fmt::format("{:.1f}%", *r.usage_share * 100) : std::string("unknown"),
      human(static_cast<double>(r.trimmers_freed_bytes)),
      human(static_cast<double>(r.reclaimable_before_bytes)),
      target_bytes == 0 ? std::string("all") : human(static_cast<double>(target_bytes)),
      human(static_cast<double>(r.malloc_trim_freed_bytes)),
      human(static_cast<double>(r.rss_before_bytes)), human(static_cast<double>(r.rss_after_bytes)),
      std::chrono::duration<double, std::milli>(r.took).count());
  for (const TrimStep& s : r.steps) {
    spdlog::info("  trimmer {} (priority {}): freed {} of {}{}", s.name, s.priority,
                 human(static_cast<double>(s.bytes_freed)),
                 human(static_cast<double>(s.reclaimable_before)),
                 s.error.empty() ? std::string() : " (failed: " + s.error + ")");
  }
  {
    std::lock_guard lock(state_mu_);
    ++responses_total_;
    freed_total_bytes_ += r.freed_bytes();
  }
  responses_.push(r);
  return r;
}

std::vector<MemoryLeak> MemoryOptimizer::observe_leaks(const MemoryState& state) {
  std::vector<std::pair<std::string, double>> observations;
  std::vector<std::pair<std::string, SeriesInfo>> seen;
  observations.emplace_back("rss", static_cast<double>(state.rss_bytes));
  seen.push_back({"rss", {"process", "rss", ""}});
  std::string last_name;
  for (const TrackedOwner& o : tracker_.owners()) {
    if (o.name != last_name) {
      observations.emplace_back("name:" + o.name, static_cast<double>(tracker_.bytes(o.name)));
      seen.push_back({"name:" + o.name, {"name", o.name, ""}});
      last_name = o.name;
    }
    if (!o.owner.empty()) {
      const std::string id = "owner:" + o.name + "\n" + o.owner;
      observations.emplace_back(id, static_cast<double>(o.bytes));
      seen.push_back({id, {"owner", o.name, o.owner}});
    }
  }
  {
    std::lock_guard lock(state_mu_);
    for (auto& [id, info] : seen)
      series_.try_emplace(id, std::move(info));
  }
  std::vector<MemoryLeak> found;
  for (const auto& [id, value] : observations) {
    auto f = leaks_.observe(id, value);
    if (!f) continue;
    MemoryLeak leak = describe(*f);
    spdlog::warn("memory leak suspected: {} '{}'{} grows {}/s (fit {:.2f}, z {:.1f}) over {:.0f} s",
                 leak.kind == "process" ? "process" : "tracked", leak.name,
                 leak.owner.empty() ? std::string() : " held by '" + leak.owner + "'",
                 human(f->rate_bytes_per_s), f->fit, f->trend_z,
                 std::chrono::duration<double>(f->span).count());
    metrics_->leaks_detected.inc();
    found.push_back(std::move(leak));
  }
  metrics_->leaks_active.set(static_cast<double>(leaks_.active().size()));
  return found;
}

void MemoryOptimizer::export_metrics(const MemoryState& state, PressureLevel level) {
  Metrics& m = *metrics_;
  m.level.set(static_cast<double>(level));
  if (state.usage_share) m.usage_share.set(*state.usage_share);
  if (state.psi_some_avg10) m.psi_some.set(*state.psi_some_avg10);
  m.heap_free.set(static_cast<double>(state.heap.free_bytes));
  const BufferPoolStats s = frame_pool_.stats();
  m.pool_bytes.with({"idle"}).set(static_cast<double>(s.bytes_idle));
  m.pool_bytes.with({"in_use"}).set(static_cast<double>(s.bytes_in_use));
  const auto delta = [](std::uint64_t now, std::uint64_t before) {
    return now > before ? now - before : 0;
  };
  m.pool_events.with({"hit"}).inc(delta(s.hits, m.exported_pool.hits));
  m.pool_events.with({"miss"}).inc(delta(s.misses, m.exported_pool.misses));
  m.pool_events.with({"unpooled"}).inc(delta(s.unpooled, m.exported_pool.unpooled));
  m.pool_events.with({"upstream_allocation"})
      .inc(delta(s.upstream_allocations, m.exported_pool.upstream_allocations));
  m.exported_pool = s;
}

MemoryLeak MemoryOptimizer::describe(const LeakFinding& f) const {
  const auto it = series_.find(f.series);
  if (it == series_.end()) return {"unknown", f.series, "", f};
  return {it->second.kind, it->second.name, it->second.owner, f};
}

std::vector<MemoryLeak> MemoryOptimizer::leak_findings() const {
  std::vector<MemoryLeak> out;
  std::lock_guard lock(state_mu_);
  for (const LeakFinding& f : leaks_.findings())
    out.push_back(describe(f));
  return out;
}

MemoryTick MemoryOptimizer::tick() {
  std::lock_guard tick_lock(tick_mu_);
  MemoryTick t;
  t.state = memory_state(sampler_.sample(), HeapStats::read());
  const PressureLevel previous = classifier_.level();
  t.level = classifier_.update(t.state.usage_share, t.state.psi_some_avg10, t.state.psi_full_avg10);
  if (t.level != previous) {
    spdlog::info("memory pressure {} -> {} (usage {}, PSI some {})", to_string(previous),
                 to_string(t.level),
                 t.state.usage_share ? fmt::format("{:.1f}%", *t.state.usage_share * 100)
                                     : std::string("unknown"),
                 t.state.psi_some_avg10 ? fmt::format("{:.2f}%", *t.state.psi_some_avg10)
                                        : std::string("unavailable"));
  }
  if (t.level >= PressureLevel::kElevated) {
    const bool cooled =
        !last_response_at_ || clock_.now() - *last_response_at_ >= options_.cooldown;
    if (cooled || t.level > last_response_level_) {
      const std::uint64_t target = t.level == PressureLevel::kCritical ? 0 : bytes_needed(t.state);
      t.response = respond(t.level, "pressure", t.state, target);
    } else {
      t.skipped_in_cooldown = true;
    }
  }
  t.new_leaks = observe_leaks(t.state);
  export_metrics(t.state, t.level);
  std::lock_guard lock(state_mu_);
  last_state_ = t.state;
  if (t.level != level_) ++level_changes_;
  level_ = t.level;
  ++ticks_;
  if (t.skipped_in_cooldown) ++skipped_in_cooldown_;
  return t;
}

MemoryResponse MemoryOptimizer::optimize_memory() {
  std::lock_guard tick_lock(tick_mu_);
  const MemoryState state = memory_state(sampler_.sample(), HeapStats::read());
  return respond(PressureLevel::kCritical, "forced", state, 0);
}

}  // namespace opusperf
