#include "opusperf/gpu/precision.h"

#include <cstdint>

#include "opusperf/gpu/precision_kernels.h"

namespace opusperf::gpu {
namespace detail {
namespace {

template <class From, class To, To (*F)(From)>
void scalar_loop(const void* src, void* dst, std::size_t n) {
  const From* in = static_cast<const From*>(src);
  To* out = static_cast<To*>(dst);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = F(in[i]);
}

}  // namespace

const ConversionKernels& scalar_kernels() {
  static constexpr ConversionKernels kKernels = {
      scalar_loop<float, std::uint16_t, float_to_half>,
      scalar_loop<std::uint16_t, float, half_to_float>,
      scalar_loop<float, std::uint16_t, float_to_bfloat16>,
      scalar_loop<std::uint16_t, float, bfloat16_to_float>,
  };
  return kKernels;
}

}  // namespace detail

namespace {

const detail::ConversionKernels& kernels_for(ConversionIsa isa) {
  switch (isa) {
    case ConversionIsa::kAvx512:
      return detail::avx512_kernels();
    case ConversionIsa::kAvx2:
      return detail::avx2_kernels();
    case ConversionIsa::kScalar:
      break;
  }
  return detail::scalar_kernels();
}

detail::ConvertFn kernel(const detail::ConversionKernels& k, Conversion c) {
  switch (c) {
    case Conversion::kFloatToHalf:
      return k.float_to_half;
    case Conversion::kHalfToFloat:
      return k.half_to_float;
    case Conversion::kFloatToBFloat16:
      return k.float_to_bfloat16;
    case Conversion::kBFloat16ToFloat:
      break;
  }
  return k.bfloat16_to_float;
}

}  // namespace

std::string_view to_string(Precision p) {
  switch (p) {
    case Precision::kFloat16:
      return "fp16";
    case Precision::kBFloat16:
      return "bf16";
    case Precision::kFloat32:
      break;
  }
  return "fp32";
}

std::string_view to_string(Conversion c) {
  switch (c) {
    case Conversion::kFloatToHalf:
      return "float_to_half";
    case Conversion::kHalfToFloat:
      return "half_to_float";
    case Conversion::kFloatToBFloat16:
      return "float_to_bfloat16";
    case Conversion::kBFloat16ToFloat:
      break;
  }
  return "bfloat16_to_float";
}

std::string_view to_string(ConversionIsa isa) {
  switch (isa) {
    case ConversionIsa::kAvx512:
      return "avx512f";
    case ConversionIsa::kAvx2:
      return "avx2+f16c";
    case ConversionIsa::kScalar:
      break;
  }
  return "scalar";
}

std::size_t element_size(Precision p) {
  return p == Precision::kFloat32 ? 4 : 2;
}

bool conversion_isa_supported(ConversionIsa isa) {
#if defined(__x86_64__)
  switch (isa) {
    case ConversionIsa::kAvx512:
      return __builtin_cpu_supports("avx512f");
    case ConversionIsa::kAvx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
    case ConversionIsa::kScalar:
      break;
  }
  return true;
#else
  return isa == ConversionIsa::kScalar;
#endif
}

ConversionIsa best_conversion_isa() {
  static const ConversionIsa kBest = [] {
    for (ConversionIsa isa : {ConversionIsa::kAvx512, ConversionIsa::kAvx2}) {
      if (conversion_isa_supported(isa)) return isa;
    }
    return ConversionIsa::kScalar;
  }();
  return kBest;
}

void convert(Conversion c, const void* src, void* dst, std::size_t count, ConversionIsa isa) {
  kernel(kernels_for(isa), c)(src, dst, count);
}

void convert(Conversion c, const void* src, void* dst, std::size_t count) {
  static const detail::ConversionKernels& kBest = kernels_for(best_conversion_isa());
  kernel(kBest, c)(src, dst, count);
}

}  // namespace opusperf::gpu
