// Conversion throughput on 1080p RGB frames (1920 x 1080 x 3 elements), per conversion and ISA.
// items/s is frames per second; bytes/s counts what is read and written.
//   opusperf bench micro --filter Precision
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "opusperf/gpu/precision.h"

namespace opusperf::gpu {
namespace {

constexpr std::size_t k1080pRgb = 1920 * 1080 * 3;

void BM_Precision1080pRgb(benchmark::State& state) {
  const auto c = static_cast<Conversion>(state.range(0));
  const auto isa = static_cast<ConversionIsa>(state.range(1));
  state.SetLabel(std::string(to_string(c)) + " " + std::string(to_string(isa)));
  if (!conversion_isa_supported(isa)) {
    state.SkipWithError("this CPU lacks the ISA");
    return;
  }
  const bool from_float = c == Conversion::kFloatToHalf || c == Conversion::kFloatToBFloat16;
  std::vector<float> floats(k1080pRgb);
  std::vector<std::uint16_t> halves(k1080pRgb);
  for (std::size_t i = 0; i < k1080pRgb; ++i) {
    floats[i] = static_cast<float>(i % 256) / 255.0f;
    halves[i] = float_to_half(floats[i]);
  }
  const void* src = from_float ? static_cast<const void*>(floats.data()) : halves.data();
  void* dst = from_float ? static_cast<void*>(halves.data()) : floats.data();
  for (auto _ : state) {
    convert(c, src, dst, k1080pRgb, isa);
    benchmark::DoNotOptimize(dst);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(k1080pRgb * 6));
}
BENCHMARK(BM_Precision1080pRgb)
    ->ArgsProduct({{0, 1, 2, 3}, {0, 1, 2}})
    ->ArgNames({"conversion", "isa"})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace opusperf::gpu
