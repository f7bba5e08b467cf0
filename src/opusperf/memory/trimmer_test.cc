#include "opusperf/memory/trimmer.h"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace opusperf {
namespace {

// A trimmer over a counter of held bytes that frees `share` of them at any level.
Trimmer holding(std::string name, int priority, std::uint64_t& held, std::vector<std::string>& log,
                double share = 1.0) {
  const std::string n = name;
  return {std::move(name), priority,
          [&held, &log, share, n](PressureLevel) {
            log.push_back(n);
            const auto freed = static_cast<std::uint64_t>(static_cast<double>(held) * share);
            held -= freed;
            return freed;
          },
          [&held] { return held; }};
}

TEST(TrimmerTest, RunsInPriorityOrderThenRegistrationOrder) {
  TrimmerRegistry r;
  std::uint64_t a = 10, b = 20, c = 30;
  std::vector<std::string> log;
  auto hc = r.add(holding("gpu", 30, c, log));
  auto ha = r.add(holding("pool", 10, a, log));
  auto hb = r.add(holding("cache", 10, b, log));
  const auto steps = r.run(PressureLevel::kCritical, 0);
  EXPECT_EQ(log, (std::vector<std::string>{"pool", "cache", "gpu"}));
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1].name, "cache");
  EXPECT_EQ(steps[1].reclaimable_before, 20u);
  EXPECT_EQ(steps[1].bytes_freed, 20u);
  const auto list = r.list();
  EXPECT_EQ(list[0].name, "pool");
  EXPECT_EQ(list[0].reclaimable_bytes, 0u);
}

TEST(TrimmerTest, StopsOnceTheTargetIsFreed) {
  TrimmerRegistry r;
  std::uint64_t a = 100, b = 100;
  std::vector<std::string> log;
  auto ha = r.add(holding("first", 1, a, log));
  auto hb = r.add(holding("second", 2, b, log));
  EXPECT_EQ(r.run(PressureLevel::kHigh, 50).size(), 1u);
  EXPECT_EQ(log, std::vector<std::string>{"first"});
  EXPECT_EQ(b, 100u);
}

TEST(TrimmerTest, AThrowingTrimmerIsRecordedAndTheRestStillRun) {
  TrimmerRegistry r;
  std::uint64_t b = 5;
  std::vector<std::string> log;
  auto ha = r.add({"broken", 1,
                   [](PressureLevel) -> std::uint64_t { throw std::runtime_error("device lost"); },
                   nullptr});
  auto hb = r.add(holding("ok", 2, b, log));
  const auto steps = r.run(PressureLevel::kCritical, 0);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].error, "device lost");
  EXPECT_EQ(steps[0].bytes_freed, 0u);
  EXPECT_EQ(steps[1].bytes_freed, 5u);
}

TEST(TrimmerTest, HandleUnregistersAndMayOutliveTheRegistry) {
  std::uint64_t held = 1;
  std::vector<std::string> log;
  TrimmerRegistry::Handle outliving;
  {
    TrimmerRegistry r;
    {
      auto h = r.add(holding("scoped", 1, held, log));
      EXPECT_EQ(r.size(), 1u);
    }
    EXPECT_EQ(r.size(), 0u);
    outliving = r.add(holding("outliving", 1, held, log));
    TrimmerRegistry::Handle moved = std::move(outliving);
    outliving = std::move(moved);
    EXPECT_EQ(r.size(), 1u);
    r.run(PressureLevel::kElevated, 0);
  }
  outliving.reset();  // the registry is gone: nothing to do, nothing to crash
  EXPECT_EQ(log, std::vector<std::string>{"outliving"});
}

TEST(TrimmerTest, RejectsIncompleteTrimmers) {
  TrimmerRegistry r;
  EXPECT_THROW((void)r.add({"", 1, [](PressureLevel) { return std::uint64_t{0}; }, nullptr}),
               std::invalid_argument);
  EXPECT_THROW((void)r.add({"no-fn", 1, nullptr, nullptr}), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
