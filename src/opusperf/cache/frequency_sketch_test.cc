#include "opusperf/cache/frequency_sketch.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "opusperf/cache/hash_mix.h"

namespace opusperf::cache {
namespace {

TEST(FrequencySketch, CountsAndSaturatesAtFifteen) {
  FrequencySketch s(1024);
  const std::uint64_t h = mix_hash(42);
  EXPECT_EQ(s.frequency(h), 0);
  for (int i = 1; i <= 10; ++i) {
    s.increment(h);
    EXPECT_EQ(s.frequency(h), i);
  }
  for (int i = 0; i < 20; ++i)
    s.increment(h);
  EXPECT_EQ(s.frequency(h), 15);
}

TEST(FrequencySketch, SeparatesHotFromColdKeys) {
  FrequencySketch s(512);
  for (int round = 0; round < 8; ++round) {
    for (std::uint64_t k = 0; k < 50; ++k)
      s.increment(mix_hash(k));  // hot: 8 each
  }
  for (std::uint64_t k = 1000; k < 1400; ++k)
    s.increment(mix_hash(k));  // cold: once each
  int hot_over_cold = 0;
  for (std::uint64_t k = 0; k < 50; ++k)
    hot_over_cold += s.frequency(mix_hash(k)) > s.frequency(mix_hash(1000 + k)) ? 1 : 0;
  EXPECT_GE(hot_over_cold, 48);
}

TEST(FrequencySketch, HalvesAfterTheSamplePeriod) {
  FrequencySketch s(64);  // resets every 640 increments
  ASSERT_EQ(s.sample_size(), 640u);
  const std::uint64_t h = mix_hash(7);
  for (int i = 0; i < 12; ++i)
    s.increment(h);
  const int before = s.frequency(h);
  for (std::uint64_t k = 100; k < 100 + 640; ++k)
    s.increment(mix_hash(k));  // distinct keys push the count over the period
  EXPECT_LE(s.frequency(h), before / 2 + 1);
  EXPECT_GE(s.frequency(h), before / 2 - 1);
}

TEST(FrequencySketch, UsesAtMostEightBytesPerEntryOfCapacity) {
  for (std::uint64_t capacity : {8u, 100u, 1000u, 1011u, 4096u, 100'000u}) {
    FrequencySketch s(capacity);
    EXPECT_LE(s.bytes(), 8 * capacity) << capacity;
    EXPECT_GE(s.bytes(), 4 * capacity) << capacity;  // and not much less
  }
}

}  // namespace
}  // namespace opusperf::cache
