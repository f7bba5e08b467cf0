// MiniSimulation: the "adaptive" WindowController. It picks the admission window's share of a
// W-TinyLFU cache by simulating the alternatives (miniature simulation, Waldspurger et al., ATC'17;
// one of the adaptive schemes Einziger, Eytan, Friedman and Manes compare in "Adaptive Software
// Cache Management", Middleware'18).
//
// Six small W-TinyLFU caches, with windows of 1%, 10%, 25%, 50%, 75% and 100% of their capacity,
// replay the key stream the real cache sees: all of it when the cache holds at most 1024 entries,
// else the keys of a hash-sampled 1024/capacity share (spatial sampling, SHARDS), with capacities
// scaled by the same share. Every 2 mini-capacities of sampled requests each one's hits enter a
// decaying score (x0.9 a period); the real cache moves to the best one's window share when that
// one leads the current choice by more than 2% of the (decayed) requests, so noise does not make it
// oscillate. Unlike hill climbing it needs no trial and error on the real cache, so it settles
// within a few thousand requests, which short traces need.
//
// Memory: at most 6 x 1024 simulated entries (hash only, about 100 bytes each) and their sketches.
// Cost: each sampled request is six policy updates (a few hundred ns); unsampled ones a hash test.
// Thread-safety: none; the policy calls it under its lock.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "opusperf/cache/policy_node.h"
#include "opusperf/cache/window_controller.h"

namespace opusperf::cache {

class WTinyLfuPolicy;

class MiniSimulation final : public WindowController {
 public:
  // The window shares simulated, as fractions of capacity.
  static constexpr std::array<double, 6> kShares = {0.01, 0.10, 0.25, 0.50, 0.75, 1.00};
  static constexpr std::uint64_t kMaxMiniEntries = 1024;

  // initial_fraction: the real cache's starting window share (the choice until evidence moves it).
  explicit MiniSimulation(double initial_fraction);
  ~MiniSimulation() override;
  MiniSimulation(const MiniSimulation&) = delete;
  MiniSimulation& operator=(const MiniSimulation&) = delete;

  void record_hit(std::uint64_t hash) override { access(hash); }
  void record_miss(std::uint64_t hash) override { access(hash); }
  std::int64_t adjustment(std::uint64_t window, std::uint64_t capacity) override;

  // Returns the window share currently chosen.
  double chosen_share() const { return kShares[chosen_]; }

 private:
  struct Mini {
    std::unique_ptr<WTinyLfuPolicy> policy;
    std::unordered_map<std::uint64_t, PolicyNode> entries;  // node-based: addresses are stable
    std::uint64_t hits = 0;                                 // in the current period
    double score = 0;                                       // decayed hits
  };

  void build(std::uint64_t capacity);
  void access(std::uint64_t hash);

  std::vector<Mini> minis_;
  std::vector<PolicyNode*> evicted_;
  std::uint64_t capacity_ = 0;          // the real cache's, at build()
  std::uint64_t sample_threshold_ = 0;  // a key is sampled when its resampled hash is below
  bool sample_all_ = true;
  std::uint64_t period_ = 0;  // sampled requests between decisions
  std::uint64_t in_period_ = 0;
  double requests_ = 0;  // decayed count of sampled requests
  std::size_t chosen_ = 0;
};

}  // namespace opusperf::cache
