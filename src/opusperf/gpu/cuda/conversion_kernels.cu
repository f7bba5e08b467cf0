#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "opusperf/gpu/cuda/conversion_kernels.h"

namespace opusperf::gpu::cuda {
namespace {

struct FloatToHalf {
  __device__ std::uint16_t operator()(float x) const {
    return __half_as_ushort(__float2half_rn(x));
  }
};
struct HalfToFloat {
  __device__ float operator()(std::uint16_t h) const { return __half2float(__ushort_as_half(h)); }
};
struct FloatToBFloat16 {
  __device__ std::uint16_t operator()(float x) const {
    return __bfloat16_as_ushort(__float2bfloat16_rn(x));
  }
};
struct BFloat16ToFloat {
  __device__ float operator()(std::uint16_t b) const {
    return __bfloat162float(__ushort_as_bfloat16(b));
  }
};

template <class In, class Out, class F>
__global__ void convert_kernel(const In* __restrict__ in, Out* __restrict__ out, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(blockDim.x) * gridDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    out[i] = F{}(in[i]);
  }
}

template <class In, class Out, class F>
cudaError_t launch(const void* src, void* dst, std::size_t n, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  constexpr unsigned kThreads = 256;
  constexpr std::size_t kMaxBlocks = 65535;  // grid-stride loop covers the rest
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  convert_kernel<In, Out, F>
      <<<static_cast<unsigned>(blocks < kMaxBlocks ? blocks : kMaxBlocks), kThreads, 0, stream>>>(
          static_cast<const In*>(src), static_cast<Out*>(dst), n);
  return cudaGetLastError();
}

}  // namespace

cudaError_t launch_conversion(KernelConversion c, const void* src, void* dst, std::size_t count,
                              cudaStream_t stream) {
  switch (c) {
    case KernelConversion::kFloatToHalf:
      return launch<float, std::uint16_t, FloatToHalf>(src, dst, count, stream);
    case KernelConversion::kHalfToFloat:
      return launch<std::uint16_t, float, HalfToFloat>(src, dst, count, stream);
    case KernelConversion::kFloatToBFloat16:
      return launch<float, std::uint16_t, FloatToBFloat16>(src, dst, count, stream);
    case KernelConversion::kBFloat16ToFloat:
      break;
  }
  return launch<std::uint16_t, float, BFloat16ToFloat>(src, dst, count, stream);
}

}  // namespace opusperf::gpu::cuda
