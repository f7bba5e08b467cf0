// `opusperf quickstart gpu`: the GPUOptimizer at work on whichever backend is present (CUDA when a
// device answers, else the host backend). Batches of RGB frames go through device buffers from the
// caching allocator (upload, precision conversion, download; batch sizes vary so blocks are reused
// at other sizes), one frame's step is captured and replayed, and force_optimization gives the
// cached memory back. It prints how many requests reached the device and what was released.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <vector>

#include "command_registry.h"
#include "format.h"
#include "opusperf/core/errors.h"
#include "opusperf/gpu/gpu_optimizer.h"
#include "opusperf/gpu/precision_scope.h"
#include "opusperf/optimizer/gpu_component.h"
#include "opusperf/optimizer/performance_optimizer.h"
#include "quickstart_report.h"

namespace opusperf::cli {
namespace {

using gpu::Conversion;
using gpu::CopyKind;
using gpu::Precision;
using gpu::Stream;

struct GpuExampleOptions {
  int frames = 48;
  int batch = 6;
  int width = 1920;
  int height = 1080;
  std::string backend = "auto";
};

// A deterministic RGB frame of floats in [0, 1].
std::vector<float> make_frame(int width, int height, int index) {
  std::vector<float> f(static_cast<std::size_t>(width) * height * 3);
  for (std::size_t i = 0; i < f.size(); ++i)
    f[i] = static_cast<float>((i * 2654435761u + static_cast<std::size_t>(index) * 97) % 1021) /
           1020.0f;
  return f;
}

// Host memory from the backend (page-locked on CUDA), given back when it goes out of scope.
template <class T>
class HostBuffer {
 public:
  HostBuffer(gpu::DeviceBackend& backend, std::size_t count)
      : backend_(backend), data_(static_cast<T*>(backend.allocate_host(count * sizeof(T)))) {}
  ~HostBuffer() { backend_.deallocate_host(data_); }
  HostBuffer(const HostBuffer&) = delete;
  HostBuffer& operator=(const HostBuffer&) = delete;
  T* data() const { return data_; }

 private:
  gpu::DeviceBackend& backend_;
  T* data_;
};

// The conversion to the half-precision type the frames are staged in.
Conversion staging_conversion(Precision p) {
  return p == Precision::kFloat16 ? Conversion::kFloatToHalf : Conversion::kFloatToBFloat16;
}

int run_gpu(const GpuExampleOptions& o, const QuickstartContext& ctx) {
  if (o.frames < 1 || o.batch < 1) throw InputError("--frames and --batch must be at least 1");
  if (o.width < 1 || o.height < 1) throw InputError("--width and --height must be at least 1");
  PerformanceOptimizer opt(ctx.config);
  ServeScope serve(opt, ctx.serve);
  gpu::GpuOptimizerOptions options = gpu::GpuOptimizerOptions::from_config(ctx.config);
  options.backend = o.backend;
  auto component =
      std::make_unique<GpuComponent>(std::make_unique<gpu::GpuOptimizer>(options), opt.metrics());
  gpu::GpuOptimizer& g = component->gpu();
  opt.add_component(std::move(component));
  gpu::DeviceBackend& backend = g.backend();
  gpu::CachingAllocator& alloc = g.allocator();

  const gpu::DeviceInfo info = backend.info();
  const Precision compute = g.compute_precision();
  const Precision staging = compute == Precision::kFloat32 ? Precision::kBFloat16 : compute;
  const gpu::NvmlSample nvml = g.utilisation();
  std::cout << fmt::format("backend      {} ({}): {}\n", info.backend, g.backend_note(), info.name);
  std::cout << fmt::format("memory       {} total, cap {} (tensor_memory_fraction {:.2f})\n",
                           human_bytes(static_cast<double>(info.total_bytes)),
                           human_bytes(static_cast<double>(alloc.cap_bytes())),
                           alloc.options().memory_fraction);
  std::cout << fmt::format(
      "precision    compute {} (mixed_precision {}), frames staged as {}, CPU conversion {}\n",
      gpu::to_string(compute), ctx.config.mixed_precision ? "on" : "off", gpu::to_string(staging),
      gpu::to_string(gpu::best_conversion_isa()));
  std::cout << fmt::format("graphs       {} (enable_cuda_graphs {})\n",
                           ctx.config.enable_cuda_graphs ? "captured and replayed" : "eager",
                           ctx.config.enable_cuda_graphs ? "on" : "off");
  std::cout << fmt::format("NVML         {}\n\n",
                           nvml.available ? fmt::format("{} device(s)", nvml.devices.size())
                                          : "unavailable: " + nvml.reason);

  const Stream s = backend.create_stream();
  const std::size_t pixels = static_cast<std::size_t>(o.width) * o.height * 3;
  // Host buffers from the backend (page-locked on CUDA): fast copies, and capturable ones.
  const HostBuffer<float> frame(backend, pixels);
  const std::vector<float> pattern = make_frame(o.width, o.height, 0);
  std::copy(pattern.begin(), pattern.end(), frame.data());
  const HostBuffer<std::uint16_t> staged(backend, pixels * static_cast<std::size_t>(o.batch));
  std::cerr << fmt::format("quickstart gpu: {} frames of {}x{} RGB in batches of up to {}\n",
                           o.frames, o.width, o.height, o.batch);

  // Batches of varying size: each takes its buffers from the allocator and gives them back.
  for (int first = 0, round = 0; first < o.frames; ++round) {
    const int n = std::min({o.frames - first, round % 2 == 0 ? o.batch : o.batch / 2 + 1});
    const std::size_t count = pixels * static_cast<std::size_t>(n);
    opt.optimize_operation({"gpu_batch", static_cast<std::uint64_t>(n)}, [&] {
      gpu::PrecisionScope scope(staging);
      void* d_in = alloc.allocate(count * sizeof(float), s);
      void* d_out = alloc.allocate(count * gpu::element_size(staging), s);
      for (int i = 0; i < n; ++i) {
        backend.copy(static_cast<float*>(d_in) + pixels * i, frame.data(), pixels * sizeof(float),
                     CopyKind::kHostToDevice, s);
      }
      backend.convert(staging_conversion(gpu::PrecisionScope::current()), d_in, d_out, count, s);
      backend.copy(staged.data(), d_out, count * 2, CopyKind::kDeviceToHost, s);
      backend.synchronize(s);
      alloc.deallocate(d_in);
      alloc.deallocate(d_out);
    });
    first += n;
  }

  // One frame's step, captured once and replayed, against the same step run eagerly.
  void* d_in = alloc.allocate(pixels * sizeof(float), s);
  void* d_out = alloc.allocate(pixels * 2, s);
  const HostBuffer<std::uint16_t> replayed(backend, pixels);
  gpu::GraphRunner step = g.make_graph_runner(s);
  step.capture([&](Stream st) {
    backend.copy(d_in, frame.data(), pixels * sizeof(float), CopyKind::kHostToDevice, st);
    backend.convert(staging_conversion(staging), d_in, d_out, pixels, st);
    backend.copy(replayed.data(), d_out, pixels * 2, CopyKind::kDeviceToHost, st);
  });
  constexpr int kReplays = 5;
  for (int i = 0; i < kReplays; ++i) {
    opt.optimize_operation({"gpu_graph_step", 1}, [&] {
      step.replay();
      backend.synchronize(s);
    });
  }
  std::vector<std::uint16_t> eager(pixels);
  gpu::convert(staging_conversion(staging), frame.data(), eager.data(), pixels);
  const bool same = std::equal(eager.begin(), eager.end(), replayed.data());
  alloc.deallocate(d_in);
  alloc.deallocate(d_out);

  const gpu::AllocatorStats st = alloc.stats();
  const std::int64_t requests = st.allocation[gpu::kStatAll].allocated;
  std::cout << "Caching allocator\n";
  std::cout << fmt::format(
      "  requests            {:>10}   ({} reached the device: {:.1f}% served "
      "from the cache)\n",
      requests, st.num_device_alloc,
      100.0 * (1.0 - static_cast<double>(st.num_device_alloc) /
                         static_cast<double>(std::max<std::int64_t>(1, requests))));
  std::cout << fmt::format(
      "  requested (peak)    {:>10}\n",
      human_bytes(static_cast<double>(st.requested_bytes[gpu::kStatAll].peak)));
  std::cout << fmt::format("  reserved (peak)     {:>10}   in {} segments at most\n",
                           human_bytes(static_cast<double>(st.reserved_bytes[gpu::kStatAll].peak)),
                           st.segment[gpu::kStatAll].peak);
  std::cout << fmt::format(
      "  reserved now        {:>10}   (all of it cached, nothing allocated)\n",
      human_bytes(static_cast<double>(st.reserved_bytes[gpu::kStatAll].current)));
  std::cout << fmt::format("  graph replay        {} x {}: {} eager results\n", kReplays,
                           gpu::to_string(step.mode()), same ? "equals" : "DIFFERS FROM");
  backend.destroy_stream(s);

  const ForceOptimizationResult forced = opt.force_optimization();
  for (const OptimizationStep& f : forced.steps) {
    if (f.component == "gpu") std::cout << fmt::format("  force_optimization  {}\n\n", f.detail);
  }
  finish_quickstart(opt, ctx);
  return same ? kExitOk : kExitRuntimeFailure;
}

[[maybe_unused]] const bool kRegistered = register_quickstart({
    "gpu",
    "the caching device allocator, precision conversion and graph replay (CUDA or host backend)",
    [](CLI::App& cmd) -> QuickstartRunner {
      auto o = std::make_shared<GpuExampleOptions>();
      cmd.add_option("--frames", o->frames, "Frames to process")->capture_default_str();
      cmd.add_option("--batch", o->batch, "Largest batch of frames")->capture_default_str();
      cmd.add_option("--width", o->width, "Frame width")->capture_default_str();
      cmd.add_option("--height", o->height, "Frame height")->capture_default_str();
      cmd.add_option("--backend", o->backend, "Device backend: auto, host or cuda")
          ->capture_default_str();
      return [o](const QuickstartContext& ctx) { return run_gpu(*o, ctx); };
    },
});

}  // namespace
}  // namespace opusperf::cli
