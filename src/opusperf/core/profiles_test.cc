#include "opusperf/core/profiles.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "opusperf/core/config_error.h"
#include "opusperf/core/config_loader.h"

namespace opusperf {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ProfilesTest, DevelopmentFavoursFeedback) {
  const OptimizationConfig c = profiles::development();
  EXPECT_EQ(c.profile, "development");
  EXPECT_TRUE(c.enable_smart_caching);
  EXPECT_TRUE(c.enable_memory_optimization);
  EXPECT_TRUE(c.enable_gpu_optimization);
  EXPECT_TRUE(c.enable_adaptive_tuning);
  EXPECT_FALSE(c.enable_load_balancing);
  EXPECT_EQ(c.max_workers, 4u);
  EXPECT_EQ(c.cache_size_limit, 500u);
  EXPECT_EQ(c.monitoring_interval, 1s);
  EXPECT_EQ(c.tuning_interval, 10s);
}

TEST(ProfilesTest, ProductionFavoursStability) {
  const OptimizationConfig c = profiles::production();
  EXPECT_EQ(c.profile, "production");
  EXPECT_TRUE(c.enable_smart_caching);
  EXPECT_TRUE(c.enable_memory_optimization);
  EXPECT_TRUE(c.enable_gpu_optimization);
  EXPECT_TRUE(c.enable_load_balancing);
  EXPECT_FALSE(c.enable_adaptive_tuning);
  EXPECT_EQ(c.max_workers, 16u);
  EXPECT_EQ(c.cache_size_limit, 2000u);
  EXPECT_EQ(c.cache_max_bytes, 1ull << 30);
  EXPECT_EQ(c.monitoring_interval, 5s);
}

TEST(ProfilesTest, HighPerformanceTurnsEverythingOn) {
  const OptimizationConfig c = profiles::high_performance();
  EXPECT_EQ(c.profile, "high_performance");
  EXPECT_TRUE(c.enable_smart_caching);
  EXPECT_TRUE(c.enable_memory_optimization);
  EXPECT_TRUE(c.enable_gpu_optimization);
  EXPECT_TRUE(c.enable_load_balancing);
  EXPECT_TRUE(c.enable_adaptive_tuning);
  EXPECT_TRUE(c.enable_monitoring);
  EXPECT_TRUE(c.enable_predictive_caching);
  EXPECT_TRUE(c.enable_cuda_graphs);
  EXPECT_TRUE(c.mixed_precision);
  EXPECT_EQ(c.max_workers, 32u);
  EXPECT_EQ(c.cache_size_limit, 5000u);
  EXPECT_EQ(c.cache_max_bytes, 4ull << 30);
  EXPECT_EQ(c.load_balancing_strategy, "peak_ewma");
  EXPECT_EQ(c.tuning_interval, 10s);
  EXPECT_EQ(c.monitoring_interval, 1s);
}

TEST(ProfilesTest, FieldsNotNamedKeepTheDefaults) {
  const OptimizationConfig d;
  EXPECT_EQ(profiles::development().load_balancing_strategy, d.load_balancing_strategy);
  EXPECT_EQ(profiles::production().tuning_interval, d.tuning_interval);
  EXPECT_EQ(profiles::production().tensor_memory_fraction, d.tensor_memory_fraction);
  EXPECT_EQ(profiles::high_performance().cache_ttl, d.cache_ttl);
}

TEST(ProfilesTest, EveryProfileIsValid) {
  EXPECT_NO_THROW(validate(profiles::development()));
  EXPECT_NO_THROW(validate(profiles::production()));
  EXPECT_NO_THROW(validate(profiles::high_performance()));
}

TEST(ProfilesTest, NamesInOrder) {
  EXPECT_THAT(profiles::names(), ElementsAre("development", "production", "high_performance"));
}

TEST(ProfilesTest, ByNameReturnsEachProfile) {
  for (std::string_view name : profiles::names()) {
    EXPECT_EQ(profiles::by_name(name).profile, name);
  }
  EXPECT_EQ(to_json(profiles::by_name("production")), to_json(profiles::production()));
}

TEST(ProfilesTest, ByNameTreatsDashAsUnderscore) {
  EXPECT_EQ(profiles::by_name("high-performance").profile, "high_performance");
}

ConfigError by_name_error(std::string_view name) {
  try {
    profiles::by_name(name);
  } catch (const ConfigError& e) {
    return e;
  }
  ADD_FAILURE() << "expected ConfigError for " << name;
  return ConfigError("", 0, "", "");
}

TEST(ProfilesTest, ByNameSuggestsNearMiss) {
  const ConfigError e = by_name_error("prodcution");
  EXPECT_STREQ(e.what(),
               "unknown profile 'prodcution'; did you mean 'production'? (profiles: development, "
               "production, high_performance)");
  EXPECT_EQ(e.line(), 0u);
  EXPECT_THAT(by_name_error("Development").what(), HasSubstr("did you mean 'development'?"));
  EXPECT_THAT(by_name_error("high_perfomance").what(),
              HasSubstr("did you mean 'high_performance'?"));
}

TEST(ProfilesTest, ByNameUnknownListsValidNamesWithoutGuessing) {
  const ConfigError e = by_name_error("turbo");
  EXPECT_THAT(e.what(), Not(HasSubstr("did you mean")));
  EXPECT_THAT(e.what(), HasSubstr("development, production, high_performance"));
  EXPECT_THAT(by_name_error("").what(), HasSubstr("unknown profile ''"));
  EXPECT_THAT(by_name_error("custom").what(), HasSubstr("unknown profile 'custom'"));
}

TEST(ProfilesTest, ErrorIsAnInputError) {
  EXPECT_THROW(profiles::by_name("nope"), InputError);
}

}  // namespace
}  // namespace opusperf
