#include "opusperf/balance/load_balancing_policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "opusperf/balance/adaptive_policy.h"
#include "opusperf/balance/least_loaded_policy.h"
#include "opusperf/balance/peak_ewma_policy.h"
#include "opusperf/balance/random_policy.h"
#include "opusperf/balance/round_robin_policy.h"
#include "opusperf/core/errors.h"
#include "policy_test_support.h"

namespace opusperf {
namespace {

using ::testing::HasSubstr;
using testing_support::Workers;

TEST(MakePolicyTest, BuildsEveryNamedPolicy) {
  for (const std::string_view name : balancing_policy_names()) {
    BalancerConfig c;
    c.policy = std::string(name);
    EXPECT_EQ(make_balancing_policy(c)->name(), name);
  }
  EXPECT_EQ(balancing_policy_names().size(), 6u);
}

TEST(MakePolicyTest, UnknownNameIsAnInputErrorWithASuggestion) {
  BalancerConfig c;
  c.policy = "least_loadded";
  try {
    make_balancing_policy(c);
    FAIL() << "no exception";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'least_loadded'"));
    EXPECT_THAT(e.what(), HasSubstr("did you mean 'least_loaded'"));
    EXPECT_THAT(e.what(), HasSubstr("consistent_hash"));
  }
}

TEST(RoundRobinPolicyTest, EqualWeightsTakeTurns) {
  Workers w(3);
  RoundRobinPolicy p;
  std::string order;
  for (int i = 0; i < 6; ++i)
    order += std::to_string(p.choose(w.request()));
  EXPECT_EQ(order, "012012");
}

TEST(RoundRobinPolicyTest, WeightsAreHonouredAndSpreadSmoothly) {
  Workers w(3, {5.0, 1.0, 1.0});
  RoundRobinPolicy p;
  std::string order;
  for (int i = 0; i < 14; ++i)
    order += std::to_string(p.choose(w.request()));
  // nginx's smooth weighted round robin for 5:1:1 is a a b a c a a, repeated.
  EXPECT_EQ(order, "00102000010200");
}

TEST(RoundRobinPolicyTest, OnlyCandidatesArePicked) {
  Workers w(4);
  w.candidates = {1, 3};
  RoundRobinPolicy p;
  for (int i = 0; i < 10; ++i) {
    const auto c = p.choose(w.request());
    EXPECT_TRUE(c == 1 || c == 3) << c;
  }
}

TEST(RandomPolicyTest, ChoosesInProportionToWeight) {
  Workers w(3, {1.0, 2.0, 1.0});
  RandomPolicy p(/*seed=*/5);
  std::map<std::uint32_t, int> n;
  for (int i = 0; i < 40000; ++i)
    ++n[p.choose(w.request())];
  EXPECT_NEAR(n[0], 10000, 500);
  EXPECT_NEAR(n[1], 20000, 600);
  EXPECT_NEAR(n[2], 10000, 500);
}

TEST(RandomPolicyTest, SameSeedSameChoices) {
  Workers w(5);
  RandomPolicy a(3), b(3);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(a.choose(w.request()), b.choose(w.request()));
}

TEST(LeastLoadedPolicyTest, OfTwoPicksTheLessLoaded) {
  Workers w(2);
  w.load(0, 3);
  LeastLoadedPolicy p(1);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(p.choose(w.request()), 1u);
}

TEST(LeastLoadedPolicyTest, WeightScalesLoad) {
  Workers w(2, {4.0, 1.0});
  w.load(0, 2);  // (2 + 1) / 4 = 0.75 < (0 + 1) / 1
  LeastLoadedPolicy p(1);
  EXPECT_EQ(p.choose(w.request()), 0u);
}

TEST(LeastLoadedPolicyTest, NeverPicksTheMostLoadedOfMany) {
  Workers w(5);
  for (std::uint32_t i = 0; i < 5; ++i)
    w.load(i, static_cast<int>(i));
  LeastLoadedPolicy p(2);
  std::map<std::uint32_t, int> n;
  for (int i = 0; i < 2000; ++i)
    ++n[p.choose(w.request())];
  EXPECT_EQ(n[4], 0);           // it loses every comparison
  EXPECT_GT(n[0], n[1]);        // the least loaded wins every draw it is in
  EXPECT_NEAR(n[0], 800, 120);  // P(drawn) = 2/5
}

TEST(PeakEwmaPolicyTest, PrefersLowerLatencyTimesLoad) {
  Workers w(2);
  w.learn(0, /*latency_s=*/1.0, 1.0);
  w.learn(1, /*latency_s=*/0.1, 0.1);
  PeakEwmaPolicy p(1);
  EXPECT_EQ(p.choose(w.request()), 1u);
  w.load(1, 12);  // 0.1 x 13 = 1.3 > 1.0 x 1
  EXPECT_EQ(p.choose(w.request()), 0u);
}

TEST(PeakEwmaPolicyTest, AWorkerWithoutLatencyCostsTheTypicalLatency) {
  Workers w(2);
  w.learn(0, 0.5, 0.5);
  PeakEwmaPolicy p(1);
  PickRequest r = w.request();
  r.typical_latency = 2.0;  // worker 1 unknown: costed at 2.0 > 0.5
  EXPECT_EQ(p.choose(r), 0u);
  r.typical_latency = 0.1;
  EXPECT_EQ(p.choose(r), 1u);
}

TEST(AdaptivePolicyTest, SendsToTheFastWorkerUntilItsQueueOutweighsTheSlowOne) {
  Workers w(2);
  w.learn(0, 1.0, /*service_s=*/1.0);
  w.learn(1, 5.0, /*service_s=*/5.0);
  AdaptivePolicy p(1);
  EXPECT_EQ(p.choose(w.request()), 0u);  // 1 vs 5
  w.load(0, 1);                          // 2^3 x 1 = 8 > 5
  EXPECT_EQ(p.choose(w.request()), 1u);
}

TEST(AdaptivePolicyTest, ScoreAddsLatencyBeyondServiceTime) {
  Workers w(1);
  w.learn(0, /*latency_s=*/3.0, /*service_s=*/1.0);
  // max(0, 3 - 1) + (0 + 1)^3 x 1
  EXPECT_DOUBLE_EQ(AdaptivePolicy::score(w.request(), 0), 3.0);
}

TEST(AdaptivePolicyTest, WithoutEstimatesRanksByLoadAndBreaksTiesAtRandom) {
  Workers w(3);
  w.load(0, 1);
  AdaptivePolicy p(4);
  std::map<std::uint32_t, int> n;
  for (int i = 0; i < 1000; ++i)
    ++n[p.choose(w.request())];
  EXPECT_EQ(n[0], 0);
  EXPECT_NEAR(n[1], 500, 80);
  EXPECT_NEAR(n[2], 500, 80);
}

TEST(AdaptivePolicyTest, SlowStartMakesAWorkerLessAttractive) {
  Workers w(2);
  w.learn(0, 1.0, 1.0);
  w.learn(1, 1.0, 1.0);
  w.load(0, 1);  // score 8
  AdaptivePolicy p(1);
  EXPECT_EQ(p.choose(w.request()), 1u);  // score 1
  w.stats[1].set_effective_weight(0.1);  // score 1 / 0.1 = 10
  EXPECT_EQ(p.choose(w.request()), 0u);
}

}  // namespace
}  // namespace opusperf
