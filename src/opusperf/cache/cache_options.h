// CacheOptions and CacheStats: what every SmartCache is built from and what it reports.
//
// CacheOptions holds the settings that do not depend on the key and value types (the weigher,
// which does, is in SmartCache<K, V>::Options). Every default is documented here, where it is
// declared. CacheStats is a plain snapshot returned by SmartCache::stats().
//
// Thread-safety: plain value types.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "opusperf/core/clock.h"

namespace opusperf {

struct CacheOptions {
  // Most entries held at once; 1 .. 2^40. resize() changes it later.
  std::uint64_t max_entries = 1000;
  // Most weighted bytes held at once (the weigher's sum); 0 = no byte limit.
  std::uint64_t max_bytes = 0;
  // Time to live of an entry put without an explicit TTL; 0 = never expires.
  Clock::duration default_ttl{0};
  // Time source for TTLs and load timing; nullptr = SteadyClock::instance(). Must outlive the
  // cache.
  Clock* clock = nullptr;
  // How the admission window's share of capacity is chosen (window_controller.h): "adaptive"
  // (miniature simulation of six window shares, mini_simulation.h), "hill_climbing" (Caffeine's
  // controller) or "static" (window_fraction, fixed).
  std::string window_policy = "adaptive";
  // Window's share of max_entries at start ("adaptive") or always ("static"); 0 .. 1.
  double window_fraction = 0.01;
  // Seed of the admission filter's random tie-breaking (hash-flooding defence); fixed so that a
  // single-threaded replay is deterministic.
  std::uint64_t seed = 0x5eed'cafe'f00d'1234ULL;
};

// Why an entry left the cache.
enum class RemovalCause { kSize, kExpired, kExplicit };

struct CacheStats {
  std::uint64_t hits = 0;            // get/get_or_load calls that found a live entry
  std::uint64_t misses = 0;          // get/get_or_load calls that did not
  std::uint64_t loads = 0;           // loader calls that returned a value (get_or_load, prefetch)
  std::uint64_t load_failures = 0;   // loader calls that threw
  Clock::duration load_time{0};      // time spent in loaders, successful or not
  std::uint64_t evictions_size = 0;  // removed to respect max_entries / max_bytes
  std::uint64_t evictions_expired = 0;   // removed because their TTL passed
  std::uint64_t evictions_explicit = 0;  // removed by invalidate() or clear()
  std::uint64_t entries = 0;             // entries held (after pending maintenance)
  std::uint64_t bytes = 0;               // weighted bytes held
  std::uint64_t max_entries = 0;
  std::uint64_t max_bytes = 0;        // 0 = no byte limit
  std::uint64_t prefetch_issued = 0;  // prefetched values put into the cache
  std::uint64_t prefetch_used = 0;    // prefetched entries later hit by a get
  std::uint64_t prefetch_wasted = 0;  // prefetched entries removed before any get hit them
  double window_fraction = 0;         // the admission window's current share of max_entries

  // Returns hits / (hits + misses), or 0 before any request.
  double hit_ratio() const {
    const std::uint64_t n = hits + misses;
    return n == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(n);
  }
  std::uint64_t evictions() const {
    return evictions_size + evictions_expired + evictions_explicit;
  }
};

}  // namespace opusperf
