#include "opusperf/cache/window_controller.h"

#include <cmath>
#include <stdexcept>
#include <string>

#include "opusperf/cache/mini_simulation.h"

namespace opusperf::cache {
namespace {

class StaticWindow final : public WindowController {
 public:
  void record_hit(std::uint64_t) override {}
  void record_miss(std::uint64_t) override {}
  std::int64_t adjustment(std::uint64_t, std::uint64_t) override { return 0; }
};

// Caffeine's hill climber (BoundedLocalCache.climb), with its constants.
class HillClimber final : public WindowController {
 public:
  void record_hit(std::uint64_t) override { ++hits_; }
  void record_miss(std::uint64_t) override { ++misses_; }

  std::int64_t adjustment(std::uint64_t /*window*/, std::uint64_t capacity) override {
    const double cap = static_cast<double>(capacity);
    const std::uint64_t n = hits_ + misses_;
    if (static_cast<double>(n) < kSampleCapacities * cap) return 0;
    if (step_ == 0) step_ = -kStepShare * cap;  // the first step tries a smaller window
    const double rate = static_cast<double>(hits_) / static_cast<double>(n);
    const double change = rate - previous_rate_;
    const double amount = change >= 0 ? step_ : -step_;
    step_ = std::abs(change) >= kRestartThreshold ? kStepShare * cap * (amount >= 0 ? 1 : -1)
                                                  : kStepDecay * amount;
    previous_rate_ = rate;
    hits_ = misses_ = 0;
    return static_cast<std::int64_t>(std::llround(amount));
  }

 private:
  static constexpr double kSampleCapacities = 10.0;  // sample period, in capacities of requests
  static constexpr double kStepShare = 0.0625;       // first (and restart) step, of capacity
  static constexpr double kStepDecay = 0.98;         // each step is this share of the last
  static constexpr double kRestartThreshold = 0.05;  // hit-ratio change that restarts the steps

  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
  double previous_rate_ = 0;
  double step_ = 0;
};

}  // namespace

std::unique_ptr<WindowController> make_window_controller(std::string_view name,
                                                         double initial_fraction) {
  if (name == "adaptive") return std::make_unique<MiniSimulation>(initial_fraction);
  if (name == "hill_climbing") return std::make_unique<HillClimber>();
  if (name == "static") return std::make_unique<StaticWindow>();
  throw std::invalid_argument("unknown cache window policy '" + std::string(name) +
                              "' (known: adaptive, hill_climbing, static)");
}

}  // namespace opusperf::cache
