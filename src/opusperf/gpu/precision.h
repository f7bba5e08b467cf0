// Precision conversion: fp32 <-> fp16 (IEEE binary16) and fp32 <-> bf16 (bfloat16), one value or a
// whole buffer, on the CPU. Buffers go through the widest vector unit the CPU has (AVX-512F, else
// AVX2 + F16C, else scalar code), chosen once at run time; the CUDA backend runs the same
// conversions as kernels (cuda/precision_kernels.cu).
//
//   std::vector<std::uint16_t> half(n);
//   opusperf::gpu::convert(Conversion::kFloatToHalf, frame.data(), half.data(), n);
//
// Results are bit-identical to the host code of CUDA's cuda_fp16.h / cuda_bf16.h
// (__float2half_rn, __half2float, __float2bfloat16_rn, __bfloat162float) for every input, on every
// ISA; precision_reference_test.cc checks all 65,536 16-bit values and 10^6 random floats:
//   - float -> half and float -> bf16 round to nearest, ties to even; overflow gives +-Inf;
//     subnormal results are kept (no flush to zero).
//   - NaN payloads: float -> half and float -> bf16 turn every NaN, whatever its sign and payload,
//     into the canonical 0x7FFF; half -> float turns every NaN into 0x7FFFFFFF (sign dropped);
//     bf16 -> float keeps sign and payload (it is a 16-bit shift). The hardware instructions
//     (VCVTPS2PH, VCVTPH2PS) keep payloads instead, so the vector code rewrites NaN lanes.
//
// Thread-safety: pure functions; safe from many threads.
// Cost: about 0.1-0.3 ns per element with AVX-512 or AVX2 on memory-resident buffers (see
// `opusperf bench micro --filter Precision`), a few ns per element in scalar code.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace opusperf::gpu {

// The element types a component may compute in (see PrecisionScope in precision_scope.h).
enum class Precision { kFloat32, kFloat16, kBFloat16 };

// Element-wise conversions between buffers. fp16 and bf16 elements are std::uint16_t bit patterns.
enum class Conversion { kFloatToHalf, kHalfToFloat, kFloatToBFloat16, kBFloat16ToFloat };

// The instruction sets the buffer conversions are written for, narrowest first.
enum class ConversionIsa { kScalar, kAvx2, kAvx512 };

// Returns "fp32", "fp16" or "bf16".
std::string_view to_string(Precision p);
// Returns "float_to_half", "half_to_float", "float_to_bfloat16" or "bfloat16_to_float".
std::string_view to_string(Conversion c);
// Returns "scalar", "avx2+f16c" or "avx512f".
std::string_view to_string(ConversionIsa isa);
// Returns the bytes one element of `p` takes (4 or 2).
std::size_t element_size(Precision p);

// ---- one value (the reference rules above, in scalar code) ----

// Returns f rounded to the nearest half (ties to even), as its bit pattern.
constexpr std::uint16_t float_to_half(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t u = x & 0x7fffffffu;
  if (u > 0x7f800000u) return 0x7fff;                                       // NaN: canonical
  if (u == 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // +-Inf
  if (u > 0x477fefffu) return static_cast<std::uint16_t>(sign | 0x7c00u);   // rounds past 65504
  std::uint32_t result;
  std::uint32_t remainder;  // the dropped bits, left-aligned: 0x80000000 is exactly half an ulp
  if (u >= 0x38800000u) {   // normal half
    result = (u - 0x38000000u) >> 13;
    remainder = u << 19;
  } else if (u <= 0x33000000u) {  // at most half the smallest subnormal: rounds to zero
    return static_cast<std::uint16_t>(sign);
  } else {  // subnormal half
    const std::uint32_t shift = 0x7eu - (u >> 23);
    const std::uint32_t mantissa = (u & 0x7fffffu) | 0x800000u;
    result = mantissa >> shift;
    remainder = mantissa << (32 - shift);
  }
  if (remainder > 0x80000000u || (remainder == 0x80000000u && (result & 1u))) ++result;
  return static_cast<std::uint16_t>(sign | result);
}

// Returns the float a half bit pattern stands for (exact; every NaN becomes 0x7FFFFFFF).
constexpr float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0x1f) {
    return std::bit_cast<float>(mantissa != 0 ? 0x7fffffffu : (sign | 0x7f800000u));
  }
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in a float
    const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return sign != 0 ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

// Returns f rounded to the nearest bfloat16 (ties to even), as its bit pattern.
constexpr std::uint16_t float_to_bfloat16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return 0x7fff;  // NaN: canonical
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

// Returns the float a bfloat16 bit pattern stands for (exact, payloads kept).
constexpr float bfloat16_to_float(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

// ---- buffers ----

// Returns the widest ISA this CPU (and OS) supports; the one convert() uses.
ConversionIsa best_conversion_isa();
// Returns whether this CPU can run `isa`'s code.
bool conversion_isa_supported(ConversionIsa isa);

// Converts `count` elements from src to dst: float* <-> std::uint16_t* as `c` says.
// REQUIRES: the buffers hold count elements each and do not overlap.
void convert(Conversion c, const void* src, void* dst, std::size_t count);
// The same with a given ISA, for tests and benchmarks. REQUIRES: conversion_isa_supported(isa).
void convert(Conversion c, const void* src, void* dst, std::size_t count, ConversionIsa isa);

}  // namespace opusperf::gpu
