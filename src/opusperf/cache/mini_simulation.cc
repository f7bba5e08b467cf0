#include "opusperf/cache/mini_simulation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "opusperf/cache/wtinylfu_policy.h"

namespace opusperf::cache {
namespace {

constexpr double kPeriodCapacities = 2.0;  // decision period, in mini capacities of requests
constexpr double kDecay = 0.9;             // weight of the past at each decision
constexpr double kHysteresis = 0.02;       // lead (share of decayed requests) needed to switch
constexpr std::uint64_t kMiniSeed = 0x6d696e69'73696d00ULL;
constexpr std::uint64_t kSampleMultiplier = 0x9e3779b97f4a7c15ULL;  // odd: a bijection

}  // namespace

MiniSimulation::MiniSimulation(double initial_fraction) {
  // Start from the simulated share nearest the configured one.
  for (std::size_t i = 1; i < kShares.size(); ++i) {
    if (std::abs(kShares[i] - initial_fraction) < std::abs(kShares[chosen_] - initial_fraction)) {
      chosen_ = i;
    }
  }
}

MiniSimulation::~MiniSimulation() = default;

void MiniSimulation::build(std::uint64_t capacity) {
  capacity_ = capacity;
  sample_all_ = capacity <= kMaxMiniEntries;
  const double rate = sample_all_ ? 1.0 : static_cast<double>(kMaxMiniEntries) / capacity;
  sample_threshold_ = static_cast<std::uint64_t>(
      rate * static_cast<double>(std::numeric_limits<std::uint64_t>::max()));
  const std::uint64_t mini_capacity = std::min(capacity, kMaxMiniEntries);
  minis_.clear();
  minis_.resize(kShares.size());
  for (std::size_t i = 0; i < kShares.size(); ++i) {
    minis_[i].policy = std::make_unique<WTinyLfuPolicy>(
        CacheLimits{mini_capacity, 0}, make_window_controller("static", kShares[i]), kShares[i],
        kMiniSeed + i);
  }
  period_ = static_cast<std::uint64_t>(kPeriodCapacities * static_cast<double>(mini_capacity));
  in_period_ = 0;
  requests_ = 0;
}

void MiniSimulation::access(std::uint64_t hash) {
  if (minis_.empty()) return;  // built at the first adjustment(), which knows the capacity
  // Resample with a multiply so the choice of keys is independent of the bits the sketch and the
  // table use (one multiply: this runs for every request the policy sees).
  if (!sample_all_ && hash * kSampleMultiplier > sample_threshold_) return;
  ++in_period_;
  for (Mini& m : minis_) {
    auto [it, inserted] = m.entries.try_emplace(hash);
    if (!inserted) {
      ++m.hits;
      m.policy->on_access(&it->second);
      continue;
    }
    it->second.hash = hash;
    it->second.weight = 1;
    m.policy->on_add(&it->second);
    evicted_.clear();
    m.policy->maintain(evicted_);
    for (PolicyNode* n : evicted_)
      m.entries.erase(n->hash);
  }
}

std::int64_t MiniSimulation::adjustment(std::uint64_t window, std::uint64_t capacity) {
  if (capacity != capacity_) build(capacity);  // first call, or the cache was resized
  if (in_period_ >= period_) {
    requests_ = requests_ * kDecay + static_cast<double>(in_period_);
    in_period_ = 0;
    std::size_t best = chosen_;
    for (Mini& m : minis_) {
      m.score = m.score * kDecay + static_cast<double>(m.hits);
      m.hits = 0;
    }
    for (std::size_t i = 0; i < minis_.size(); ++i) {
      if (minis_[i].score > minis_[best].score + kHysteresis * requests_) best = i;
    }
    chosen_ = best;
  }
  const auto target =
      static_cast<std::int64_t>(std::llround(kShares[chosen_] * static_cast<double>(capacity)));
  return target - static_cast<std::int64_t>(window);
}

}  // namespace opusperf::cache
