// Internal to precision.cc: the buffer conversion loops of each ISA. The AVX2 and AVX-512 loops are
// compiled with GCC target attributes (precision_x86.cc), so the library builds for any x86-64 and
// picks the loop at run time; the vector loops finish their tails with the scalar functions.
#pragma once

#include <cstddef>

namespace opusperf::gpu::detail {

// Converts n elements from src to dst.
using ConvertFn = void (*)(const void* src, void* dst, std::size_t n);

struct ConversionKernels {
  ConvertFn float_to_half;
  ConvertFn half_to_float;
  ConvertFn float_to_bfloat16;
  ConvertFn bfloat16_to_float;
};

const ConversionKernels& scalar_kernels();
// REQUIRES: the CPU supports AVX2 and F16C.
const ConversionKernels& avx2_kernels();
// REQUIRES: the CPU supports AVX-512F.
const ConversionKernels& avx512_kernels();

}  // namespace opusperf::gpu::detail
