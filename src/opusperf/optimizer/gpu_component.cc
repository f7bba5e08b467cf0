#include "opusperf/optimizer/gpu_component.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace opusperf {
namespace {

// Advances `counter` by how far `now` is past `before`.
void advance(Counter& counter, std::int64_t now, std::int64_t before) {
  if (now > before) counter.inc(static_cast<std::uint64_t>(now - before));
}

}  // namespace

GpuComponent::GpuComponent(const OptimizationConfig& config, Registry& metrics)
    : GpuComponent(
          std::make_unique<gpu::GpuOptimizer>(gpu::GpuOptimizerOptions::from_config(config)),
          metrics) {}

GpuComponent::GpuComponent(std::unique_ptr<gpu::GpuOptimizer> gpu, Registry& metrics)
    : gpu_(gpu ? std::move(gpu) : throw std::invalid_argument("GpuComponent: null GpuOptimizer")),
      metrics_(metrics),
      allocated_(metrics
                     .gauge("opusperf_gpu_allocated_bytes",
                            "Device memory held by callers of the caching allocator")
                     .with({})),
      reserved_(metrics
                    .gauge("opusperf_gpu_reserved_bytes",
                           "Device memory the caching allocator holds from the device")
                    .with({})),
      active_(metrics
                  .gauge("opusperf_gpu_active_bytes",
                         "Allocated device memory plus blocks waiting for stream events")
                  .with({})),
      cap_(metrics
               .gauge("opusperf_gpu_memory_cap_bytes",
                      "Cap on reserved device memory (memory fraction x device memory)")
               .with({})),
      retries_(metrics
                   .counter("opusperf_gpu_alloc_retries_total",
                            "Allocations that freed the cache and retried")
                   .with({})),
      ooms_(metrics.counter("opusperf_gpu_ooms_total", "Device allocations that failed").with({})),
      device_allocs_(
          metrics
              .counter("opusperf_gpu_device_allocs_total", "Calls that took memory from the device")
              .with({})),
      released_(metrics
                    .counter("opusperf_gpu_released_bytes_total",
                             "Device memory given back by forced optimizations")
                    .with({})) {}

OptimizationStep GpuComponent::optimize_now() {
  const std::uint64_t before = gpu_->allocator().stats().reserved_bytes[gpu::kStatAll].current;
  const std::uint64_t released = gpu_->optimize_gpu_memory();
  refresh_metrics(nlohmann::json::object());
  return {
      "gpu", released,
      fmt::format("empty_cache released {} of {} reserved on the {} backend",
                  gpu::format_bytes(released), gpu::format_bytes(before), gpu_->backend().name())};
}

nlohmann::json GpuComponent::report_section() const {
  nlohmann::json section = gpu_->report();
  refresh_metrics(section);
  section["enabled"] = true;
  return section;
}

void GpuComponent::refresh_metrics(const nlohmann::json& section) const {
  using gpu::kStatAll;
  const gpu::AllocatorStats s = gpu_->allocator().stats();
  allocated_.set(static_cast<double>(s.allocated_bytes[kStatAll].current));
  reserved_.set(static_cast<double>(s.reserved_bytes[kStatAll].current));
  active_.set(static_cast<double>(s.active_bytes[kStatAll].current));
  cap_.set(static_cast<double>(gpu_->allocator().cap_bytes()));
  {
    std::lock_guard lock(mu_);
    advance(retries_, s.num_alloc_retries, last_.num_alloc_retries);
    advance(ooms_, s.num_ooms, last_.num_ooms);
    advance(device_allocs_, s.num_device_alloc, last_.num_device_alloc);
    const std::uint64_t released = gpu_->released_bytes_total();
    released_.inc(released - last_released_);
    last_ = s;
    last_released_ = released;
  }
  const auto util = section.find("utilisation");
  if (util == section.end() || !util->value("available", false)) return;
  auto& family = metrics_.gauge("opusperf_gpu_utilization_percent",
                                "Share of time a kernel ran on the device (NVML)", {"device"});
  for (const auto& d : util->at("devices")) {
    if (d.contains("gpu_percent") && d["gpu_percent"].is_number()) {
      family.with({std::to_string(d.value("index", 0))}).set(d["gpu_percent"].get<double>());
    }
  }
}

}  // namespace opusperf
