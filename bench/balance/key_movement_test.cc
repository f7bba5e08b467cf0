#include "bench/balance/key_movement.h"

#include <gtest/gtest.h>

namespace opusperf::bench::balancesim {
namespace {

TEST(KeyMovementTest, ANinthWorkerTakesAboutANinthOfTheKeysAndOnlyThose) {
  const KeyMovement m = measure_key_movement(8, 20000);
  EXPECT_EQ(m.keys, 20000u);
  EXPECT_EQ(m.moved_elsewhere, 0u);
  EXPECT_LE(m.moved_fraction, m.bound);
  EXPECT_DOUBLE_EQ(m.bound, 1.0 / 8 + 0.05);
  EXPECT_GT(m.moved_fraction, 1.0 / 9 * 0.75);
  const nlohmann::json j = to_json(m);
  EXPECT_EQ(j["workers_after"], 9);
}

}  // namespace
}  // namespace opusperf::bench::balancesim
