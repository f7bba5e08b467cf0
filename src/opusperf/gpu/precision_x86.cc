// The AVX2 + F16C and AVX-512F conversion loops. Each function carries a target attribute, so this
// file builds with the project's baseline flags and the loops run only where
// conversion_isa_supported() said yes. NaN lanes are rewritten to CUDA's canonical results
// (precision.h): before VCVTPS2PH a NaN becomes the quiet NaN 0x7FFFE000, which converts to 0x7FFF.
#include <cstdint>

#include "opusperf/gpu/precision.h"
#include "opusperf/gpu/precision_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace opusperf::gpu::detail {

#if defined(__x86_64__)
namespace {

constexpr int kRoundNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
constexpr std::uint32_t kNanBeforeHalf = 0x7fffe000u;  // VCVTPS2PH turns it into 0x7FFF
constexpr std::uint32_t kHalfNanAsFloat = 0x7fffffffu;

// Finishes the last n % width elements of a vector loop with the scalar rules.
template <class From, class To, To (*F)(From)>
void scalar_tail(const From* in, To* out, std::size_t i, std::size_t n) {
  for (; i < n; ++i)
    out[i] = F(in[i]);
}

// ---- AVX2 + F16C: 8 elements a step ----

__attribute__((target("avx2,f16c"))) void avx2_float_to_half(const void* src, void* dst,
                                                             std::size_t n) {
  const float* in = static_cast<const float*>(src);
  auto* out = static_cast<std::uint16_t*>(dst);
  const __m256 nan = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(kNanBeforeHalf)));
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 x = _mm256_loadu_ps(in + i);
    x = _mm256_blendv_ps(x, nan, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(x, kRoundNearest));
  }
  scalar_tail<float, std::uint16_t, float_to_half>(in, out, i, n);
}

__attribute__((target("avx2,f16c"))) void avx2_half_to_float(const void* src, void* dst,
                                                             std::size_t n) {
  const auto* in = static_cast<const std::uint16_t*>(src);
  float* out = static_cast<float*>(dst);
  const __m256 nan = _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(kHalfNanAsFloat)));
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 f = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i)));
    f = _mm256_blendv_ps(f, nan, _mm256_cmp_ps(f, f, _CMP_UNORD_Q));
    _mm256_storeu_ps(out + i, f);
  }
  scalar_tail<std::uint16_t, float, half_to_float>(in, out, i, n);
}

// Rounds 8 float bit patterns to bfloat16 (ties to even, NaN -> 0x7FFF) in the low 16 bits.
__attribute__((target("avx2"))) inline __m256i avx2_round_to_bfloat16(__m256i x) {
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
  const __m256i bias = _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff));
  const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(x, bias), 16);
  const __m256i magnitude = _mm256_and_si256(x, _mm256_set1_epi32(0x7fffffff));
  const __m256i is_nan = _mm256_cmpgt_epi32(magnitude, _mm256_set1_epi32(0x7f800000));
  return _mm256_blendv_epi8(rounded, _mm256_set1_epi32(0x7fff), is_nan);
}

__attribute__((target("avx2"))) void avx2_float_to_bfloat16(const void* src, void* dst,
                                                            std::size_t n) {
  const float* in = static_cast<const float*>(src);
  auto* out = static_cast<std::uint16_t*>(dst);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i a =
        avx2_round_to_bfloat16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)));
    const __m256i b =
        avx2_round_to_bfloat16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i + 8)));
    // packus interleaves the 128-bit lanes (a0 b0 a1 b1); the permute restores a0 a1 b0 b1.
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xd8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), packed);
  }
  scalar_tail<float, std::uint16_t, float_to_bfloat16>(in, out, i, n);
}

__attribute__((target("avx2"))) void avx2_bfloat16_to_float(const void* src, void* dst,
                                                            std::size_t n) {
  const auto* in = static_cast<const std::uint16_t*>(src);
  float* out = static_cast<float*>(dst);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i wide =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm256_slli_epi32(wide, 16));
  }
  scalar_tail<std::uint16_t, float, bfloat16_to_float>(in, out, i, n);
}

// ---- AVX-512F: 16 elements a step ----

__attribute__((target("avx512f"))) void avx512_float_to_half(const void* src, void* dst,
                                                             std::size_t n) {
  const float* in = static_cast<const float*>(src);
  auto* out = static_cast<std::uint16_t*>(dst);
  const __m512 nan = _mm512_castsi512_ps(_mm512_set1_epi32(static_cast<int>(kNanBeforeHalf)));
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 x = _mm512_loadu_ps(in + i);
    x = _mm512_mask_mov_ps(x, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), nan);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtps_ph(x, kRoundNearest));
  }
  scalar_tail<float, std::uint16_t, float_to_half>(in, out, i, n);
}

__attribute__((target("avx512f"))) void avx512_half_to_float(const void* src, void* dst,
                                                             std::size_t n) {
  const auto* in = static_cast<const std::uint16_t*>(src);
  float* out = static_cast<float*>(dst);
  const __m512 nan = _mm512_castsi512_ps(_mm512_set1_epi32(static_cast<int>(kHalfNanAsFloat)));
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 f = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)));
    f = _mm512_mask_mov_ps(f, _mm512_cmp_ps_mask(f, f, _CMP_UNORD_Q), nan);
    _mm512_storeu_ps(out + i, f);
  }
  scalar_tail<std::uint16_t, float, half_to_float>(in, out, i, n);
}

__attribute__((target("avx512f"))) void avx512_float_to_bfloat16(const void* src, void* dst,
                                                                 std::size_t n) {
  const float* in = static_cast<const float*>(src);
  auto* out = static_cast<std::uint16_t*>(dst);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i x = _mm512_loadu_si512(in + i);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
    const __m512i bias = _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff));
    __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(x, bias), 16);
    const __m512i magnitude = _mm512_and_si512(x, _mm512_set1_epi32(0x7fffffff));
    const __mmask16 is_nan = _mm512_cmpgt_epi32_mask(magnitude, _mm512_set1_epi32(0x7f800000));
    rounded = _mm512_mask_mov_epi32(rounded, is_nan, _mm512_set1_epi32(0x7fff));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtepi32_epi16(rounded));
  }
  scalar_tail<float, std::uint16_t, float_to_bfloat16>(in, out, i, n);
}

__attribute__((target("avx512f"))) void avx512_bfloat16_to_float(const void* src, void* dst,
                                                                 std::size_t n) {
  const auto* in = static_cast<const std::uint16_t*>(src);
  float* out = static_cast<float*>(dst);
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i wide =
        _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i)));
    _mm512_storeu_si512(out + i, _mm512_slli_epi32(wide, 16));
  }
  scalar_tail<std::uint16_t, float, bfloat16_to_float>(in, out, i, n);
}

}  // namespace

const ConversionKernels& avx2_kernels() {
  static constexpr ConversionKernels kKernels = {avx2_float_to_half, avx2_half_to_float,
                                                 avx2_float_to_bfloat16, avx2_bfloat16_to_float};
  return kKernels;
}

const ConversionKernels& avx512_kernels() {
  static constexpr ConversionKernels kKernels = {avx512_float_to_half, avx512_half_to_float,
                                                 avx512_float_to_bfloat16,
                                                 avx512_bfloat16_to_float};
  return kKernels;
}

#else  // not x86-64: conversion_isa_supported() is false for the vector ISAs

const ConversionKernels& avx2_kernels() {
  return scalar_kernels();
}
const ConversionKernels& avx512_kernels() {
  return scalar_kernels();
}

#endif

}  // namespace opusperf::gpu::detail
