// precision.h against the CUDA toolkit's own host conversions (cuda_fp16.h, cuda_bf16.h compiled
// by g++): all 65,536 half and bfloat16 values, and 10^6 random floats including NaN, Inf and
// subnormals, on every ISA this CPU supports. Skips when CMake found no CUDA toolkit.
#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <vector>

#include "opusperf/gpu/precision.h"

#if OPUSPERF_HAVE_CUDA_HEADERS
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#endif

namespace opusperf::gpu {
namespace {

#if OPUSPERF_HAVE_CUDA_HEADERS

std::uint16_t ref_float_to_half(float f) {
  return static_cast<__half_raw>(__float2half_rn(f)).x;
}
float ref_half_to_float(std::uint16_t h) {
  __half_raw raw;
  raw.x = h;
  return __half2float(__half(raw));
}
std::uint16_t ref_float_to_bfloat16(float f) {
  return static_cast<__nv_bfloat16_raw>(__float2bfloat16_rn(f)).x;
}
float ref_bfloat16_to_float(std::uint16_t b) {
  __nv_bfloat16_raw raw;
  raw.x = b;
  return __bfloat162float(__nv_bfloat16(raw));
}

std::uint32_t bits(float f) {
  return std::bit_cast<std::uint32_t>(f);
}

std::vector<ConversionIsa> supported_isas() {
  std::vector<ConversionIsa> out;
  for (ConversionIsa isa : {ConversionIsa::kScalar, ConversionIsa::kAvx2, ConversionIsa::kAvx512}) {
    if (conversion_isa_supported(isa)) out.push_back(isa);
  }
  return out;
}

TEST(PrecisionReferenceTest, EverySixteenBitValueConvertsToFloatLikeCuda) {
  std::vector<std::uint16_t> all(0x10000);
  for (std::uint32_t i = 0; i < 0x10000; ++i)
    all[i] = static_cast<std::uint16_t>(i);
  for (ConversionIsa isa : supported_isas()) {
    SCOPED_TRACE(to_string(isa));
    std::vector<float> h(all.size());
    std::vector<float> b(all.size());
    convert(Conversion::kHalfToFloat, all.data(), h.data(), all.size(), isa);
    convert(Conversion::kBFloat16ToFloat, all.data(), b.data(), all.size(), isa);
    for (std::uint32_t i = 0; i < 0x10000; ++i) {
      const auto x = static_cast<std::uint16_t>(i);
      ASSERT_EQ(bits(h[i]), bits(ref_half_to_float(x))) << "half " << std::hex << i;
      ASSERT_EQ(bits(b[i]), bits(ref_bfloat16_to_float(x))) << "bf16 " << std::hex << i;
      // And back: the floats every half and bf16 stand for, through float -> 16 bits.
      ASSERT_EQ(float_to_half(h[i]), ref_float_to_half(h[i])) << std::hex << i;
      ASSERT_EQ(float_to_bfloat16(b[i]), ref_float_to_bfloat16(b[i])) << std::hex << i;
    }
  }
}

TEST(PrecisionReferenceTest, AMillionRandomFloatsConvertLikeCuda) {
  constexpr std::size_t kFloats = 1'000'000;
  std::mt19937 rng(99);
  std::uniform_int_distribution<std::uint32_t> any;
  std::uniform_int_distribution<std::uint32_t> exponent(0x60, 0x92);  // around the half range
  std::vector<float> in;
  in.reserve(kFloats);
  std::size_t nan = 0, inf = 0, subnormal = 0;
  for (std::uint32_t special : {0x7f800000u, 0xff800000u, 0x7fc00000u, 0xffffffffu, 0x7f800001u,
                                0x00000001u, 0x807fffffu, 0x80000000u}) {
    in.push_back(std::bit_cast<float>(special));
  }
  while (in.size() < kFloats) {
    std::uint32_t u = any(rng);
    switch (in.size() % 4) {
      case 0:  // any pattern
        break;
      case 1:  // half range: rounding, half subnormals, overflow
        u = (u & 0x807fffffu) | (exponent(rng) << 23);
        break;
      case 2:  // NaN or Inf with a random payload and sign
        u |= 0x7f800000u;
        break;
      default:  // float subnormal or zero
        u &= 0x807fffffu;
        break;
    }
    in.push_back(std::bit_cast<float>(u));
  }
  for (float f : in) {
    const std::uint32_t u = bits(f) & 0x7fffffffu;
    nan += u > 0x7f800000u;
    inf += u == 0x7f800000u;
    subnormal += u != 0 && u < 0x00800000u;
  }
  EXPECT_GT(nan, 100'000u);
  EXPECT_GT(inf, 0u);
  EXPECT_GT(subnormal, 100'000u);

  std::vector<std::uint16_t> want_h(in.size());
  std::vector<std::uint16_t> want_b(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    want_h[i] = ref_float_to_half(in[i]);
    want_b[i] = ref_float_to_bfloat16(in[i]);
  }
  for (ConversionIsa isa : supported_isas()) {
    SCOPED_TRACE(to_string(isa));
    std::vector<std::uint16_t> h(in.size());
    std::vector<std::uint16_t> b(in.size());
    convert(Conversion::kFloatToHalf, in.data(), h.data(), in.size(), isa);
    convert(Conversion::kFloatToBFloat16, in.data(), b.data(), in.size(), isa);
    for (std::size_t i = 0; i < in.size(); ++i) {
      ASSERT_EQ(h[i], want_h[i]) << "float " << std::hex << bits(in[i]);
      ASSERT_EQ(b[i], want_b[i]) << "float " << std::hex << bits(in[i]);
    }
  }
}

#else

TEST(PrecisionReferenceTest, NeedsTheCudaHeaders) {
  GTEST_SKIP() << "CMake found no CUDA toolkit (cuda_fp16.h, cuda_bf16.h): the comparison with "
                  "CUDA's reference conversions needs its headers";
}

#endif

}  // namespace
}  // namespace opusperf::gpu
