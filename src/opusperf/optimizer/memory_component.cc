#include "opusperf/optimizer/memory_component.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace opusperf {

MemoryComponent::MemoryComponent(const OptimizationConfig& config, Registry& metrics, Clock& clock,
                                 SystemSampler sampler, MemoryOptimizerOptions options)
    : memory_(std::make_unique<MemoryOptimizer>(config, metrics, clock, std::move(sampler),
                                                std::move(options))) {}

MemoryComponent::MemoryComponent(std::unique_ptr<MemoryOptimizer> memory)
    : memory_(std::move(memory)) {
  if (!memory_) throw std::invalid_argument("MemoryComponent: null MemoryOptimizer");
}

OptimizationStep MemoryComponent::optimize_now() {
  const MemoryResponse r = memory_->optimize_memory();
  std::string parts;
  for (const TrimStep& s : r.steps) {
    parts += fmt::format("{}{} {} B{}", parts.empty() ? "" : ", ", s.name, s.bytes_freed,
                         s.error.empty() ? "" : " (failed)");
  }
  return {
      "memory", r.freed_bytes(),
      fmt::format("trimmers freed {} of {} B reclaimable ({}); malloc_trim {} B; RSS {} -> {} B",
                  r.trimmers_freed_bytes, r.reclaimable_before_bytes,
                  parts.empty() ? "none registered" : parts, r.malloc_trim_freed_bytes,
                  r.rss_before_bytes, r.rss_after_bytes)};
}

}  // namespace opusperf
