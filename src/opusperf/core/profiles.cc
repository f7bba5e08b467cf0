#include "opusperf/core/profiles.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "opusperf/core/config_error.h"
#include "opusperf/core/string_distance.h"

namespace opusperf::profiles {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kDevelopment = "development";
constexpr std::string_view kProduction = "production";
constexpr std::string_view kHighPerformance = "high_performance";

std::string dashes_to_underscores(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

}  // namespace

OptimizationConfig development() {
  OptimizationConfig c;
  c.profile = std::string(kDevelopment);
  c.enable_smart_caching = true;
  c.enable_memory_optimization = true;
  c.enable_gpu_optimization = true;
  c.enable_load_balancing = false;
  c.enable_adaptive_tuning = true;
  c.max_workers = 4;
  c.cache_size_limit = 500;
  c.monitoring_interval = 1s;
  c.tuning_interval = 10s;
  return c;
}

OptimizationConfig production() {
  OptimizationConfig c;
  c.profile = std::string(kProduction);
  c.enable_smart_caching = true;
  c.enable_memory_optimization = true;
  c.enable_gpu_optimization = true;
  c.enable_load_balancing = true;
  c.enable_adaptive_tuning = false;
  c.max_workers = 16;
  c.cache_size_limit = 2000;
  c.cache_max_bytes = 1ull << 30;
  c.monitoring_interval = 5s;
  return c;
}

OptimizationConfig high_performance() {
  OptimizationConfig c;
  c.profile = std::string(kHighPerformance);
  c.enable_smart_caching = true;
  c.enable_memory_optimization = true;
  c.enable_gpu_optimization = true;
  c.enable_load_balancing = true;
  c.enable_adaptive_tuning = true;
  c.enable_monitoring = true;
  c.enable_predictive_caching = true;
  c.mixed_precision = true;
  c.enable_cuda_graphs = true;
  c.max_workers = 32;
  c.cache_size_limit = 5000;
  c.cache_max_bytes = 4ull << 30;
  c.load_balancing_strategy = "peak_ewma";
  c.tuning_interval = 10s;
  c.monitoring_interval = 1s;
  return c;
}

std::vector<std::string_view> names() {
  return {kDevelopment, kProduction, kHighPerformance};
}

OptimizationConfig by_name(std::string_view name) {
  const std::string normalized = dashes_to_underscores(name);
  if (normalized == kDevelopment) return development();
  if (normalized == kProduction) return production();
  if (normalized == kHighPerformance) return high_performance();

  const std::vector<std::string_view> valid = names();
  std::string reason = "unknown profile '" + std::string(name) + "'";
  if (auto match = closest_match(normalized, valid)) reason += "; did you mean '" + *match + "'?";
  reason += " (profiles: ";
  for (std::size_t i = 0; i < valid.size(); ++i) {
    if (i > 0) reason += ", ";
    reason += valid[i];
  }
  reason += ")";
  throw ConfigError("", 0, "", reason);
}

}  // namespace opusperf::profiles
