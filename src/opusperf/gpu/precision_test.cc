#include "opusperf/gpu/precision.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "opusperf/gpu/precision_scope.h"

namespace opusperf::gpu {
namespace {

std::uint32_t bits(float f) {
  return std::bit_cast<std::uint32_t>(f);
}
float from_bits(std::uint32_t u) {
  return std::bit_cast<float>(u);
}

static_assert(float_to_half(1.0f) == 0x3c00);
static_assert(half_to_float(0x3c00) == 1.0f);
static_assert(float_to_bfloat16(1.0f) == 0x3f80);

TEST(PrecisionTest, FloatToHalfRoundsToNearestEven) {
  EXPECT_EQ(float_to_half(0.0f), 0x0000);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);   // largest half
  EXPECT_EQ(float_to_half(65519.99f), 0x7bff);  // just under the midpoint to 65536
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);   // the midpoint rounds to even: Inf
  EXPECT_EQ(float_to_half(-1e9f), 0xfc00);
  EXPECT_EQ(float_to_half(0x1p-24f), 0x0001);               // smallest subnormal
  EXPECT_EQ(float_to_half(0x1p-25f), 0x0000);               // half of it: ties to even (zero)
  EXPECT_EQ(float_to_half(from_bits(0x33000001)), 0x0001);  // just above: rounds up
  EXPECT_EQ(float_to_half(0x3p-25f), 0x0002);               // 1.5 ulp: ties to even (2)
  EXPECT_EQ(float_to_half(0x1p-14f), 0x0400);               // smallest normal
  EXPECT_EQ(float_to_half(1.0f + 0x1p-11f), 0x3c00);        // tie, even stays
  EXPECT_EQ(float_to_half(1.0f + 0x3p-11f), 0x3c02);        // tie, odd rounds up
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(float_to_half(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(float_to_half(from_bits(0x7fc00000)), 0x7fff);  // NaN: canonical
  EXPECT_EQ(float_to_half(from_bits(0xff800001)), 0x7fff);  // negative signalling NaN too
}

TEST(PrecisionTest, HalfToFloatIsExactAndCanonicalisesNaN) {
  EXPECT_EQ(half_to_float(0x0001), 0x1p-24f);
  EXPECT_EQ(half_to_float(0x03ff), 0x3ffp-24f);
  EXPECT_EQ(bits(half_to_float(0x8000)), 0x80000000u);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(bits(half_to_float(0xfc00)), 0xff800000u);
  EXPECT_EQ(bits(half_to_float(0x7c01)), 0x7fffffffu);
  EXPECT_EQ(bits(half_to_float(0xfe00)), 0x7fffffffu);
  for (std::uint32_t h = 0; h < 0x10000; ++h) {  // every non-NaN half survives the round trip
    const auto x = static_cast<std::uint16_t>(h);
    if ((x & 0x7c00) == 0x7c00 && (x & 0x3ff) != 0) continue;
    ASSERT_EQ(float_to_half(half_to_float(x)), x) << std::hex << h;
  }
}

TEST(PrecisionTest, BFloat16RoundsToNearestEvenAndKeepsPayloadsOnTheWayBack) {
  EXPECT_EQ(float_to_bfloat16(from_bits(0x3f808000)), 0x3f80);  // tie, even stays
  EXPECT_EQ(float_to_bfloat16(from_bits(0x3f818000)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(float_to_bfloat16(from_bits(0x3f808001)), 0x3f81);
  EXPECT_EQ(float_to_bfloat16(from_bits(0x7f7fffff)), 0x7f80);  // rounds up to Inf
  EXPECT_EQ(float_to_bfloat16(from_bits(0x00000001)), 0x0000);  // subnormal rounds to zero
  EXPECT_EQ(float_to_bfloat16(from_bits(0x00008000)), 0x0000);  // tie, even
  EXPECT_EQ(float_to_bfloat16(from_bits(0x00018000)), 0x0002);
  EXPECT_EQ(float_to_bfloat16(from_bits(0xffc00001)), 0x7fff);  // NaN: canonical
  EXPECT_EQ(bits(bfloat16_to_float(0xffc1)), 0xffc10000u);      // payload and sign kept
}

// Random floats with every class represented: uniform bit patterns (NaN, Inf, subnormal, normal)
// and values in and around the half range, where rounding decides.
std::vector<float> test_floats(std::size_t n) {
  std::mt19937 rng(123);
  std::vector<float> out;
  out.reserve(n + 16);
  for (std::uint32_t special :
       {0x00000000u, 0x80000000u, 0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffc00000u, 0x7f800001u,
        0x7fbfffffu, 0x00000001u, 0x807fffffu, 0x477fefffu, 0x477ff000u, 0x33000000u, 0x33000001u,
        0x38800000u, 0x387fffffu}) {
    out.push_back(from_bits(special));
  }
  std::uniform_int_distribution<std::uint32_t> any;
  std::uniform_int_distribution<std::uint32_t> exponent(0x66, 0x90);  // 2^-25 .. 2^17
  while (out.size() < n) {
    std::uint32_t u = any(rng);
    if (out.size() % 2 == 0) u = (u & 0x807fffffu) | (exponent(rng) << 23);
    out.push_back(from_bits(u));
  }
  return out;
}

std::vector<std::uint16_t> all_16_bit_values() {
  std::vector<std::uint16_t> v(0x10000);
  for (std::uint32_t i = 0; i < 0x10000; ++i)
    v[i] = static_cast<std::uint16_t>(i);
  return v;
}

class PrecisionIsaTest : public ::testing::TestWithParam<ConversionIsa> {
 protected:
  void SetUp() override {
    if (!conversion_isa_supported(GetParam())) {
      GTEST_SKIP() << "this CPU has no " << to_string(GetParam());
    }
  }
};

TEST_P(PrecisionIsaTest, BuffersMatchTheScalarRulesBitForBit) {
  const ConversionIsa isa = GetParam();
  const std::vector<float> floats = test_floats(200'000);
  const std::vector<std::uint16_t> halves = all_16_bit_values();
  // Every length up to 70 at odd offsets exercises the vector loops' tails.
  for (std::size_t offset : {0, 1, 3}) {
    for (std::size_t n = 0; n <= 70; ++n) {
      std::vector<std::uint16_t> h(n);
      convert(Conversion::kFloatToHalf, floats.data() + offset, h.data(), n, isa);
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(h[i], float_to_half(floats[offset + i])) << "n " << n << " i " << i;
    }
  }
  std::vector<std::uint16_t> h(floats.size());
  std::vector<std::uint16_t> b(floats.size());
  convert(Conversion::kFloatToHalf, floats.data(), h.data(), floats.size(), isa);
  convert(Conversion::kFloatToBFloat16, floats.data(), b.data(), floats.size(), isa);
  for (std::size_t i = 0; i < floats.size(); ++i) {
    ASSERT_EQ(h[i], float_to_half(floats[i])) << std::hex << bits(floats[i]);
    ASSERT_EQ(b[i], float_to_bfloat16(floats[i])) << std::hex << bits(floats[i]);
  }
  std::vector<float> f(halves.size());
  std::vector<float> g(halves.size());
  convert(Conversion::kHalfToFloat, halves.data(), f.data(), halves.size(), isa);
  convert(Conversion::kBFloat16ToFloat, halves.data(), g.data(), halves.size(), isa);
  for (std::size_t i = 0; i < halves.size(); ++i) {
    ASSERT_EQ(bits(f[i]), bits(half_to_float(halves[i]))) << std::hex << i;
    ASSERT_EQ(bits(g[i]), bits(bfloat16_to_float(halves[i]))) << std::hex << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, PrecisionIsaTest,
                         ::testing::Values(ConversionIsa::kScalar, ConversionIsa::kAvx2,
                                           ConversionIsa::kAvx512),
                         [](const ::testing::TestParamInfo<ConversionIsa>& info) {
                           switch (info.param) {
                             case ConversionIsa::kAvx512:
                               return std::string("avx512");
                             case ConversionIsa::kAvx2:
                               return std::string("avx2");
                             case ConversionIsa::kScalar:
                               break;
                           }
                           return std::string("scalar");
                         });

TEST(PrecisionTest, TheDefaultIsaIsTheBestSupported) {
  const ConversionIsa best = best_conversion_isa();
  EXPECT_TRUE(conversion_isa_supported(best));
  EXPECT_TRUE(conversion_isa_supported(ConversionIsa::kScalar));
  const float in[3] = {1.0f, -2.5f, 0.1f};
  std::uint16_t out[3];
  convert(Conversion::kFloatToHalf, in, out, 3);
  EXPECT_EQ(out[0], 0x3c00);
  EXPECT_EQ(out[1], 0xc100);
  EXPECT_EQ(out[2], float_to_half(0.1f));
  EXPECT_EQ(to_string(Precision::kBFloat16), "bf16");
  EXPECT_EQ(element_size(Precision::kFloat16), 2u);
  EXPECT_EQ(to_string(Conversion::kHalfToFloat), "half_to_float");
}

TEST(PrecisionScopeTest, NestsAndRestoresPerThread) {
  EXPECT_EQ(PrecisionScope::current(), Precision::kFloat32);
  {
    PrecisionScope outer(Precision::kBFloat16);
    EXPECT_EQ(PrecisionScope::current(), Precision::kBFloat16);
    {
      PrecisionScope inner(Precision::kFloat16);
      EXPECT_EQ(PrecisionScope::current(), Precision::kFloat16);
      Precision elsewhere = Precision::kFloat16;
      std::thread([&elsewhere] { elsewhere = PrecisionScope::current(); }).join();
      EXPECT_EQ(elsewhere, Precision::kFloat32);  // other threads are not affected
    }
    EXPECT_EQ(PrecisionScope::current(), Precision::kBFloat16);
  }
  EXPECT_EQ(PrecisionScope::current(), Precision::kFloat32);
}

}  // namespace
}  // namespace opusperf::gpu
