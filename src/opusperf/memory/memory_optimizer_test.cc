#include "opusperf/memory/memory_optimizer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "opusperf/memory/simulated_cgroup.h"

namespace opusperf {
namespace {

using std::chrono::seconds;
constexpr std::uint64_t kMiB = 1 << 20;
constexpr std::uint64_t kLimit = 200 * kMiB;

std::filesystem::path unique_root() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::temp_directory_path() /
         ("opusperf_memopt_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
}

// A trimmer over real heap blocks, standing in for a cache: frees all it holds at high and
// critical, half at elevated; its own accounting is the bytes of the blocks it dropped.
class BlockCache {
 public:
  explicit BlockCache(std::uint64_t bytes) {
    for (std::uint64_t i = 0; i < bytes / kMiB; ++i)
      blocks_.emplace_back(kMiB, 'x');
  }
  std::uint64_t held() const { return blocks_.size() * kMiB; }
  Trimmer trimmer(std::string name, int priority) {
    return {std::move(name), priority,
            [this](PressureLevel level) {
              const std::uint64_t before = held();
              const std::size_t keep =
                  level == PressureLevel::kElevated ? blocks_.size() / 2 : std::size_t{0};
              blocks_.resize(keep);
              blocks_.shrink_to_fit();
              return before - held();
            },
            [this] { return held(); }};
  }

 private:
  std::vector<std::vector<char>> blocks_;
};

class MemoryOptimizerTest : public ::testing::Test {
 protected:
  MemoryOptimizerTest() : cgroup_(unique_root()) { usage(0.30); }

  std::unique_ptr<MemoryOptimizer> make(MemoryOptimizerOptions options = {}) {
    return std::make_unique<MemoryOptimizer>(config_, registry_, clock_, cgroup_.sampler(),
                                             std::move(options));
  }
  void usage(double share) {
    cgroup_.set_memory(static_cast<std::uint64_t>(share * static_cast<double>(kLimit)), kLimit);
  }
  // Fills the frame pool with idle buffers of three frame sizes.
  static void warm(BufferPool& pool) {
    std::vector<Buffer> frames;
    for (const FrameShape& s : standard_frame_shapes()) {
      if (s.bytes() > 20 * kMiB) continue;
      frames.push_back(pool.acquire(s.bytes()));
    }
  }

  OptimizationConfig config_;
  Registry registry_;
  ManualClock clock_;
  SimulatedCgroup cgroup_;
};

TEST_F(MemoryOptimizerTest, PressureTickFreesNearlyAllTrimmersHold) {
  auto memory = make();
  warm(memory->frame_pool());
  BlockCache cache(64 * kMiB);
  auto handle = memory->trimmers().add(cache.trimmer("cache", 20));
  const std::uint64_t held = memory->frame_pool().stats().bytes_idle + cache.held();
  ASSERT_GT(held, 64 * kMiB);

  usage(0.92);
  const MemoryTick t = memory->tick();
  EXPECT_EQ(t.level, PressureLevel::kCritical);
  ASSERT_TRUE(t.response.has_value());
  const MemoryResponse& r = *t.response;
  EXPECT_EQ(r.reclaimable_before_bytes, held);
  EXPECT_GE(static_cast<double>(r.trimmers_freed_bytes), 0.9 * static_cast<double>(held));
  EXPECT_EQ(r.target_bytes, 0u);  // critical: every trimmer
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0].name, "cache");
  EXPECT_EQ(r.steps[1].name, "frame_pool");  // pools last: caches may hand buffers back to them
  EXPECT_TRUE(r.malloc_trimmed);
  EXPECT_GT(r.rss_before_bytes, 0u);
  EXPECT_EQ(memory->frame_pool().stats().bytes_idle, 0u);
  EXPECT_EQ(cache.held(), 0u);
}

TEST_F(MemoryOptimizerTest, OneResponsePerCooldown) {
  MemoryOptimizerOptions o;
  o.cooldown = seconds(30);
  auto memory = make(o);
  usage(0.92);
  EXPECT_TRUE(memory->tick().response.has_value());
  clock_.advance(seconds(10));
  MemoryTick t = memory->tick();
  EXPECT_FALSE(t.response.has_value());
  EXPECT_TRUE(t.skipped_in_cooldown);
  clock_.advance(seconds(19));
  EXPECT_FALSE(memory->tick().response.has_value());
  clock_.advance(seconds(1));
  EXPECT_TRUE(memory->tick().response.has_value());
  const nlohmann::json j = memory->report_json();
  EXPECT_EQ(j["responses_total"], 2);
  EXPECT_EQ(j["responses_skipped_in_cooldown"], 2);
}

TEST_F(MemoryOptimizerTest, AHigherLevelRespondsInsideTheCooldown) {
  auto memory = make();
  usage(0.75);
  MemoryTick t = memory->tick();
  ASSERT_TRUE(t.response.has_value());
  EXPECT_EQ(t.response->level, PressureLevel::kElevated);
  clock_.advance(seconds(1));
  usage(0.76);
  EXPECT_FALSE(memory->tick().response.has_value());  // same level: held back
  usage(0.93);
  t = memory->tick();
  ASSERT_TRUE(t.response.has_value());
  EXPECT_EQ(t.response->level, PressureLevel::kCritical);
}

TEST_F(MemoryOptimizerTest, ElevatedResponseFreesOnlyWhatIsNeeded) {
  auto memory = make();
  BlockCache first(48 * kMiB), second(20 * kMiB);
  auto h1 = memory->trimmers().add(first.trimmer("first", 20));
  auto h2 = memory->trimmers().add(second.trimmer("second", 30));
  usage(0.75);  // 150 MiB; the elevated exit threshold is 0.65 (130 MiB): 20 MiB to free
  const MemoryTick t = memory->tick();
  ASSERT_TRUE(t.response.has_value());
  EXPECT_EQ(t.response->target_bytes, 20 * kMiB);
  EXPECT_EQ(first.held(), 24 * kMiB);   // it halved itself: enough
  EXPECT_EQ(second.held(), 20 * kMiB);  // the target was met before its turn (and the pool's)
  ASSERT_EQ(t.response->steps.size(), 1u);
  EXPECT_EQ(t.response->steps[0].name, "first");
}

TEST_F(MemoryOptimizerTest, LevelsFollowUsageWithHysteresis) {
  MemoryOptimizerOptions o;
  o.cooldown = seconds(0);
  auto memory = make(o);
  const auto level_at = [&](double share) {
    usage(share);
    clock_.advance(seconds(1));
    return memory->tick().level;
  };
  EXPECT_EQ(level_at(0.50), PressureLevel::kNormal);
  EXPECT_EQ(level_at(0.82), PressureLevel::kHigh);
  EXPECT_EQ(level_at(0.78), PressureLevel::kHigh);
  EXPECT_EQ(level_at(0.81), PressureLevel::kHigh);
  EXPECT_EQ(level_at(0.74), PressureLevel::kElevated);
  EXPECT_EQ(level_at(0.66), PressureLevel::kElevated);
  EXPECT_EQ(level_at(0.60), PressureLevel::kNormal);
  EXPECT_EQ(memory->level(), PressureLevel::kNormal);
  EXPECT_EQ(memory->report_json()["level_changes"], 3);
}

TEST_F(MemoryOptimizerTest, PressureStallsTriggerAResponseAtLowUsage) {
  auto memory = make();
  usage(0.30);
  cgroup_.set_pressure(/*some=*/25.0, /*full=*/2.0);
  const MemoryTick t = memory->tick();
  EXPECT_EQ(t.level, PressureLevel::kHigh);
  ASSERT_TRUE(t.response.has_value());
  EXPECT_EQ(t.response->target_bytes, 0u);  // usage is not the problem: run every trimmer
}

TEST_F(MemoryOptimizerTest, NoResponseWithoutPressure) {
  auto memory = make();
  warm(memory->frame_pool());
  const MemoryTick t = memory->tick();
  EXPECT_EQ(t.level, PressureLevel::kNormal);
  EXPECT_FALSE(t.response.has_value());
  EXPECT_GT(memory->frame_pool().stats().bytes_idle, 0u);
}

TEST_F(MemoryOptimizerTest, OptimizeMemoryRunsAFullResponseNow) {
  auto memory = make();
  warm(memory->frame_pool());
  const std::uint64_t idle = memory->frame_pool().stats().bytes_idle;
  const MemoryResponse r = memory->optimize_memory();
  EXPECT_EQ(r.reason, "forced");
  EXPECT_EQ(r.level, PressureLevel::kCritical);
  EXPECT_EQ(r.trimmers_freed_bytes, idle);
  EXPECT_EQ(memory->responses().size(), 1u);
  // It starts a cooldown: pressure right after is held back.
  usage(0.95);
  EXPECT_FALSE(memory->tick().response.has_value());
}

TEST_F(MemoryOptimizerTest, LeakInATrackedOwnerIsFoundAndBlamed) {
  auto memory = make();
  std::vector<TrackedAllocation> steady, leaked;
  steady.push_back(memory->tracker().track("decoder.frames", 40 * kMiB, "decoder-1"));
  steady.push_back(memory->tracker().track("model.weights", 300 * kMiB, "ranker"));
  std::optional<int> found_after;
  for (int s = 0; s < 60 && !found_after; ++s) {
    leaked.push_back(memory->tracker().track("decoder.frames", kMiB, "decoder-2"));
    const MemoryTick t = memory->tick();
    for (const MemoryLeak& l : t.new_leaks) {
      if (l.kind == "owner" && l.owner == "decoder-2") found_after = s;
    }
    clock_.advance(seconds(1));
  }
  ASSERT_TRUE(found_after.has_value());
  EXPECT_LE(*found_after, 30);
  const nlohmann::json leaks = memory->report_json()["leaks"]["active"];
  bool blamed_owner = false;
  for (const auto& l : leaks) {
    EXPECT_NE(l["name"], "model.weights");
    EXPECT_NE(l["owner"], "decoder-1");
    if (l["kind"] == "owner" && l["owner"] == "decoder-2") {
      blamed_owner = true;
      EXPECT_EQ(l["name"], "decoder.frames");
      EXPECT_NEAR(l["rate_bytes_per_s"].get<double>(), kMiB, 0.05 * kMiB);
    }
  }
  EXPECT_TRUE(blamed_owner) << leaks.dump(2);
  const auto findings = memory->leak_findings();
  ASSERT_FALSE(findings.empty());
  EXPECT_NEAR(findings.back().finding.rate_bytes_per_s, kMiB, 0.05 * kMiB);
}

TEST_F(MemoryOptimizerTest, LeakWindowsFollowALongerMonitoringInterval) {
  config_.monitoring_interval = seconds(5);  // the production profile's
  auto memory = make();
  std::vector<TrackedAllocation> leaked;
  std::optional<int> found_at_tick;
  for (int tick = 0; tick < 40 && !found_at_tick; ++tick) {
    leaked.push_back(memory->tracker().track("cache.entries", 5 * kMiB, "smart_cache"));
    for (const MemoryLeak& l : memory->tick().new_leaks) {
      if (l.kind == "owner") {
        found_at_tick = tick;
        EXPECT_EQ(l.finding.span, seconds(120));  // 3 windows of 8 ticks
      }
    }
    clock_.advance(seconds(5));
  }
  ASSERT_TRUE(found_at_tick.has_value());
  EXPECT_GE(*found_at_tick, 20);
  EXPECT_LE(*found_at_tick, 26);
}

TEST_F(MemoryOptimizerTest, ReportSectionHasStateAndParts) {
  auto memory = make();
  auto t = memory->tracker().track("model.weights", 5 * kMiB, "ranker");
  memory->tick();
  const nlohmann::json j = memory->report_json();
  EXPECT_EQ(j["enabled"], true);
  EXPECT_EQ(j["level"], "normal");
  EXPECT_EQ(j["state"]["limit_source"], "cgroup v2");
  EXPECT_DOUBLE_EQ(j["state"]["usage_percent"].get<double>(), 30.0);
  EXPECT_EQ(j["thresholds"]["critical_percent"], 90.0);
  EXPECT_EQ(j["trimmers"][0]["name"], "frame_pool");
  EXPECT_EQ(j["tracked"]["by_name"][0]["bytes"], 5 * kMiB);
  EXPECT_TRUE(j["frame_pool"].contains("upstream_allocations"));
  EXPECT_TRUE(j["leaks"]["active"].is_array());
}

TEST_F(MemoryOptimizerTest, BackgroundThreadTicksAndStopsPromptly) {
  config_.monitoring_interval = std::chrono::milliseconds(10);
  auto memory = make();
  memory->start();
  memory->start();  // no-op
  for (int i = 0; i < 5000 && memory->report_json()["ticks"] == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_GT(memory->report_json()["ticks"].get<int>(), 0);
  memory->stop();
  const auto ticks = memory->report_json()["ticks"];
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(memory->report_json()["ticks"], ticks);  // stopped means stopped
}

TEST_F(MemoryOptimizerTest, StopWakesAThreadWaitingALongInterval) {
  config_.monitoring_interval = std::chrono::hours(1);
  auto memory = make();
  memory->start();
  memory->stop();  // returns at once: a condition-variable wait, not an hour's sleep
  EXPECT_EQ(memory->report_json()["ticks"], 0);
}

}  // namespace
}  // namespace opusperf
