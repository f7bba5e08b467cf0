// SmartCache with a SecondTier behind it: a local miss asks the tier before the loader, a load
// writes through, and a tier that has nothing (or is down) falls back to the loader.
#include "opusperf/cache/second_tier.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>

#include "opusperf/cache/smart_cache.h"

namespace opusperf {
namespace {

class MapTier : public SecondTier<std::string, int> {
 public:
  std::optional<int> get(const std::string& key) override {
    std::lock_guard lock(mu_);
    ++gets;
    if (down) return std::nullopt;
    auto it = values.find(key);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  void put(const std::string& key, const int& value) noexcept override {
    std::lock_guard lock(mu_);
    ++puts;
    if (!down) values[key] = value;
  }
  std::map<std::string, int> values;
  int gets = 0;
  int puts = 0;
  bool down = false;

 private:
  std::mutex mu_;
};

TEST(SecondTierTest, LocalMissIsServedByTheTierWithoutLoading) {
  auto tier = std::make_shared<MapTier>();
  tier->values["a"] = 7;
  SmartCache<std::string, int> cache;
  cache.set_second_tier(tier);
  int loads = 0;
  auto v = cache.get_or_load("a", [&] { return ++loads; });
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, 7);
  EXPECT_EQ(loads, 0);
  EXPECT_EQ(tier->gets, 1);
  EXPECT_EQ(tier->puts, 0);
  // Now cached locally: the tier is not asked again.
  EXPECT_EQ(*cache.get_or_load("a", [&] { return ++loads; }), 7);
  EXPECT_EQ(tier->gets, 1);
}

TEST(SecondTierTest, LoadsWriteThroughSoAnotherCacheSkipsTheLoader) {
  auto tier = std::make_shared<MapTier>();
  SmartCache<std::string, int> first;
  SmartCache<std::string, int> second;
  first.set_second_tier(tier);
  second.set_second_tier(tier);
  int loads = 0;
  EXPECT_EQ(*first.get_or_load("k", [&] { return 40 + ++loads; }), 41);
  EXPECT_EQ(tier->values.at("k"), 41);
  EXPECT_EQ(*second.get_or_load("k", [&] { return 40 + ++loads; }), 41);
  EXPECT_EQ(loads, 1);
}

TEST(SecondTierTest, UnavailableTierFallsBackToTheLoader) {
  auto tier = std::make_shared<MapTier>();
  tier->down = true;
  SmartCache<std::string, int> cache;
  cache.set_second_tier(tier);
  EXPECT_EQ(*cache.get_or_load("k", [] { return 5; }), 5);
  EXPECT_EQ(tier->gets, 1);
  EXPECT_EQ(tier->puts, 1);
  EXPECT_TRUE(tier->values.empty());
}

TEST(SecondTierTest, PlainGetAndPutDoNotTouchTheTier) {
  auto tier = std::make_shared<MapTier>();
  tier->values["a"] = 1;
  SmartCache<std::string, int> cache;
  cache.set_second_tier(tier);
  EXPECT_FALSE(cache.get("a"));
  cache.put("b", 2);
  EXPECT_EQ(tier->gets, 0);
  EXPECT_EQ(tier->puts, 0);
  cache.set_second_tier(nullptr);
  int loads = 0;
  EXPECT_EQ(*cache.get_or_load("a", [&] { return ++loads; }), 1);
  EXPECT_EQ(loads, 1);
}

}  // namespace
}  // namespace opusperf
