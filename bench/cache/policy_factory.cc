#include "bench/cache/policy_factory.h"

#include <fmt/format.h>

#include <array>

#include "bench/cache/arc_policy.h"
#include "bench/cache/belady_policy.h"
#include "bench/cache/lru_policy.h"
#include "bench/cache/s3fifo_policy.h"
#include "bench/cache/wtinylfu_policy.h"
#include "opusperf/core/errors.h"
#include "opusperf/core/string_distance.h"
#ifdef OPUSPERF_HAVE_SMART_CACHE
#include "bench/cache/smart_policy.h"
#endif

namespace opusperf::bench::cachesim {
namespace {

constexpr std::array kNames = {
    std::string_view("lru"),      std::string_view("arc"),    std::string_view("s3fifo"),
    std::string_view("wtinylfu"), std::string_view("belady"),
#ifdef OPUSPERF_HAVE_SMART_CACHE
    std::string_view("smart"),
#endif
};

}  // namespace

std::span<const std::string_view> policy_names() {
  return kNames;
}

void check_policy_name(std::string_view name) {
  for (std::string_view known : kNames)
    if (known == name) return;
#ifndef OPUSPERF_HAVE_SMART_CACHE
  if (name == "smart")
    throw InputError(
        "cache policy 'smart' needs SmartCache (src/opusperf/cache), which this build lacks");
#endif
  std::string hint;
  if (auto match = closest_match(name, kNames)) hint = fmt::format(" (did you mean '{}'?)", *match);
  throw InputError(fmt::format("unknown cache policy '{}'{}; policies: {}", name, hint,
                               fmt::join(kNames, ", ")));
}

void check_capacity(std::size_t capacity) {
  if (capacity == 0 || capacity > kMaxCapacity)
    throw InputError(
        fmt::format("cache capacity {} is out of range 1..{} entries", capacity, kMaxCapacity));
}

std::unique_ptr<SimPolicy> make_policy(std::string_view name, std::size_t capacity,
                                       std::span<const std::uint64_t> trace) {
  check_policy_name(name);
  check_capacity(capacity);
  if (name == "lru") return std::make_unique<LruPolicy>(capacity);
  if (name == "arc") return std::make_unique<ArcPolicy>(capacity);
  if (name == "s3fifo") return std::make_unique<S3FifoPolicy>(capacity);
  if (name == "wtinylfu") return std::make_unique<WTinyLfuPolicy>(capacity);
  if (name == "belady") return std::make_unique<BeladyPolicy>(capacity, trace);
#ifdef OPUSPERF_HAVE_SMART_CACHE
  if (name == "smart") return make_smart_policy(capacity);
#endif
  throw InputError(fmt::format("cache policy '{}' is listed but not constructible", name));
}

}  // namespace opusperf::bench::cachesim
