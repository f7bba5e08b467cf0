// The precision conversion kernels of the CUDA backend (conversion_kernels.cu, compiled by nvcc as
// C++17, so this header stays C++17 too). They use cuda_fp16.h / cuda_bf16.h's own conversions,
// whose host versions are precision.h's reference, so device and CPU results agree bit for bit
// (checked by cuda_backend_test.cc).
//
// Thread-safety: launches are thread-safe, as every CUDA launch is.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>

namespace opusperf::gpu::cuda {

// precision.h's Conversion, for the kernels.
enum class KernelConversion { kFloatToHalf, kHalfToFloat, kFloatToBFloat16, kBFloat16ToFloat };

// Enqueues the conversion of `count` elements from src to dst on `stream`. Returns the launch's
// error (cudaSuccess when it was enqueued). REQUIRES: src and dst are device memory.
cudaError_t launch_conversion(KernelConversion c, const void* src, void* dst, std::size_t count,
                              cudaStream_t stream);

}  // namespace opusperf::gpu::cuda
