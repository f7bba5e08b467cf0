// MemoryComponent: plugs the MemoryOptimizer (memory/memory_optimizer.h) into the
// PerformanceOptimizer as its "memory" section.
//
//   opt.add_component(std::make_unique<MemoryComponent>(opt.config(), opt.metrics()));
//
// start() starts the MemoryOptimizer's background tick (every monitoring_interval), stop() joins
// it; optimize_now() (from force_optimization) runs a full response: every trimmer, then
// malloc_trim; report_section() is the MemoryOptimizer's report. memory() gives services the
// frame pool, the allocation tracker and trimmer registration.
//
// Thread-safety: as Component requires; every method may be called from many threads.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "opusperf/core/clock.h"
#include "opusperf/core/config.h"
#include "opusperf/memory/memory_optimizer.h"
#include "opusperf/monitor/metric_registry.h"
#include "opusperf/monitor/system_sampler.h"
#include "opusperf/optimizer/component.h"

namespace opusperf {

class MemoryComponent final : public Component {
 public:
  // Builds its MemoryOptimizer. REQUIRES: as MemoryOptimizer's constructor.
  MemoryComponent(const OptimizationConfig& config, Registry& metrics,
                  Clock& clock = SteadyClock::instance(), SystemSampler sampler = SystemSampler(),
                  MemoryOptimizerOptions options = {});
  // Takes a MemoryOptimizer built (and perhaps used) by the caller. REQUIRES: memory != nullptr.
  explicit MemoryComponent(std::unique_ptr<MemoryOptimizer> memory);
  MemoryComponent(const MemoryComponent&) = delete;
  MemoryComponent& operator=(const MemoryComponent&) = delete;

  std::string_view section() const override { return "memory"; }
  void start() override { memory_->start(); }
  void stop() override { memory_->stop(); }
  // Returns what a full response freed: the trimmers' own accounting plus malloc_trim's RSS drop.
  OptimizationStep optimize_now() override;
  nlohmann::json report_section() const override { return memory_->report_json(); }

  MemoryOptimizer& memory() { return *memory_; }

  // Registers `trimmer` with the memory optimizer for as long as this component lives (another
  // component's memory, e.g. the cache's: see standard_components.h).
  // REQUIRES: as TrimmerRegistry::add.
  void add_trimmer(Trimmer trimmer) {
    held_trimmers_.push_back(memory_->trimmers().add(std::move(trimmer)));
  }

 private:
  std::unique_ptr<MemoryOptimizer> memory_;
  // Declared after memory_ so they unregister before the optimizer they registered with goes.
  std::vector<TrimmerRegistry::Handle> held_trimmers_;
};

}  // namespace opusperf
