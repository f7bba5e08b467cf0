// The CUDA backend on a real device. Every test skips with the reason when no CUDA device is usable
// (no driver, no GPU), except the one that checks exactly that is reported cleanly.
#include "opusperf/gpu/cuda/cuda_backend.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>
#include <vector>

#include "opusperf/gpu/backend_factory.h"
#include "opusperf/gpu/caching_allocator.h"
#include "opusperf/gpu/graph_runner.h"

namespace opusperf::gpu {
namespace {

constexpr std::size_t MiB = 1024 * 1024;

class CudaBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    backend_ = CudaBackend::open(0, why);
    if (backend_ == nullptr) GTEST_SKIP() << "no usable CUDA device: " << why;
  }

  // Runs `c` on the device over `in` and returns the result.
  template <class Out, class In>
  std::vector<Out> on_device(Conversion c, const std::vector<In>& in) {
    const Stream s = backend_->create_stream();
    void* d_in = backend_->allocate(in.size() * sizeof(In));
    void* d_out = backend_->allocate(in.size() * sizeof(Out));
    std::vector<Out> out(in.size());
    backend_->copy(d_in, in.data(), in.size() * sizeof(In), CopyKind::kHostToDevice, s);
    backend_->convert(c, d_in, d_out, in.size(), s);
    backend_->copy(out.data(), d_out, out.size() * sizeof(Out), CopyKind::kDeviceToHost, s);
    backend_->synchronize(s);
    backend_->deallocate(d_in, in.size() * sizeof(In));
    backend_->deallocate(d_out, out.size() * sizeof(Out));
    backend_->destroy_stream(s);
    return out;
  }

  std::unique_ptr<CudaBackend> backend_;
};

TEST(CudaBackendOpenTest, NoDeviceIsReportedNotThrown) {
  std::string why;
  std::unique_ptr<CudaBackend> b = CudaBackend::open(0, why);
  if (b != nullptr) {
    EXPECT_EQ(b->info().backend, "cuda");
    EXPECT_GT(b->info().total_bytes, 0u);
    return;
  }
  EXPECT_THAT(why, ::testing::HasSubstr("CUDA device"));
  const BackendChoice choice = make_backend("auto");
  EXPECT_EQ(choice.backend->name(), "host");
  EXPECT_EQ(choice.note, why);
}

TEST_F(CudaBackendTest, AllocatesAndCopies) {
  const MemoryInfo mem = backend_->memory_info();
  EXPECT_GT(mem.total_bytes, mem.free_bytes / 2);
  void* p = backend_->allocate(1 * MiB);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 512, 0u);
  std::vector<std::uint8_t> back(1 * MiB, 0);
  backend_->fill(p, 0x5a, 1 * MiB, Stream{});
  backend_->copy(back.data(), p, back.size(), CopyKind::kDeviceToHost, Stream{});
  backend_->synchronize(Stream{});
  EXPECT_EQ(back.front(), 0x5a);
  EXPECT_EQ(back.back(), 0x5a);
  backend_->deallocate(p, 1 * MiB);
  EXPECT_EQ(backend_->allocate(std::size_t{1} << 50), nullptr);  // 1 PiB: out of memory
}

TEST_F(CudaBackendTest, EventsCompleteAfterTheirWork) {
  const Stream s = backend_->create_stream();
  const Event e = backend_->create_event();
  void* p = backend_->allocate(64 * MiB);
  backend_->fill(p, 1, 64 * MiB, s);
  backend_->record_event(e, s);
  backend_->synchronize(s);
  EXPECT_TRUE(backend_->event_completed(e));
  backend_->deallocate(p, 64 * MiB);
  backend_->destroy_event(e);
  backend_->destroy_stream(s);
}

TEST_F(CudaBackendTest, KernelsMatchTheCpuForEverySixteenBitValue) {
  std::vector<std::uint16_t> all(0x10000);
  for (std::uint32_t i = 0; i < 0x10000; ++i)
    all[i] = static_cast<std::uint16_t>(i);
  const std::vector<float> h = on_device<float>(Conversion::kHalfToFloat, all);
  const std::vector<float> b = on_device<float>(Conversion::kBFloat16ToFloat, all);
  for (std::uint32_t i = 0; i < 0x10000; ++i) {
    const auto x = static_cast<std::uint16_t>(i);
    ASSERT_EQ(std::bit_cast<std::uint32_t>(h[i]), std::bit_cast<std::uint32_t>(half_to_float(x)))
        << std::hex << i;
    ASSERT_EQ(std::bit_cast<std::uint32_t>(b[i]),
              std::bit_cast<std::uint32_t>(bfloat16_to_float(x)))
        << std::hex << i;
  }
}

TEST_F(CudaBackendTest, KernelsMatchTheCpuForAMillionRandomFloats) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::uint32_t> any;
  std::vector<float> in(1'000'000);
  for (std::size_t i = 0; i < in.size(); ++i) {
    std::uint32_t u = any(rng);
    if (i % 3 == 1) u = (u & 0x807fffffu) | ((0x60u + u % 0x33u) << 23);  // around half range
    if (i % 3 == 2) u |= 0x7f800000u;                                     // NaN and Inf
    in[i] = std::bit_cast<float>(u);
  }
  const std::vector<std::uint16_t> h = on_device<std::uint16_t>(Conversion::kFloatToHalf, in);
  const std::vector<std::uint16_t> b = on_device<std::uint16_t>(Conversion::kFloatToBFloat16, in);
  for (std::size_t i = 0; i < in.size(); ++i) {
    ASSERT_EQ(h[i], float_to_half(in[i])) << std::hex << std::bit_cast<std::uint32_t>(in[i]);
    ASSERT_EQ(b[i], float_to_bfloat16(in[i])) << std::hex << std::bit_cast<std::uint32_t>(in[i]);
  }
}

TEST_F(CudaBackendTest, GraphReplayEqualsEagerResults) {
  constexpr std::size_t n = 1 << 20;
  const Stream s = backend_->create_stream();
  // Page-locked host buffers: the captured copies read and write them on every replay.
  auto* host_in = static_cast<float*>(backend_->allocate_host(n * 4));
  auto* graph_out = static_cast<std::uint16_t*>(backend_->allocate_host(n * 2));
  void* d_in = backend_->allocate(n * 4);
  void* d_out = backend_->allocate(n * 2);
  GraphRunner runner(*backend_, s);
  runner.capture([&](Stream st) {
    backend_->copy(d_in, host_in, n * 4, CopyKind::kHostToDevice, st);
    backend_->convert(Conversion::kFloatToHalf, d_in, d_out, n, st);
    backend_->copy(graph_out, d_out, n * 2, CopyKind::kDeviceToHost, st);
  });
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < n; ++i)
      host_in[i] = static_cast<float>(i % 4099) * 0.37f * static_cast<float>(round + 1);
    runner.replay();
    backend_->synchronize(s);
    const std::vector<std::uint16_t> eager = on_device<std::uint16_t>(
        Conversion::kFloatToHalf, std::vector<float>(host_in, host_in + n));
    ASSERT_EQ(std::vector<std::uint16_t>(graph_out, graph_out + n), eager) << "round " << round;
  }
  EXPECT_EQ(runner.replays(), 3u);
  backend_->deallocate(d_in, n * 4);
  backend_->deallocate(d_out, n * 2);
  backend_->deallocate_host(host_in);
  backend_->deallocate_host(graph_out);
  backend_->destroy_stream(s);
}

TEST_F(CudaBackendTest, CachingAllocatorRunsOnTheDevice) {
  CachingAllocator a(*backend_, {.memory_fraction = 0.5});
  void* p = a.allocate(3 * MiB);
  void* q = a.allocate(100);
  backend_->fill(p, 7, 3 * MiB, Stream{});
  backend_->synchronize(Stream{});
  a.deallocate(p);
  EXPECT_EQ(a.allocate(3 * MiB), p);  // cached
  a.deallocate(p);
  a.deallocate(q);
  EXPECT_EQ(a.empty_cache(), 2 * MiB + 20 * MiB);
}

TEST_F(CudaBackendTest, ExpandableSegmentsUseTheVirtualMemoryApi) {
  if (!backend_->supports_virtual_memory()) {
    GTEST_SKIP() << "no virtual memory management: " << backend_->virtual_memory_note();
  }
  CachingAllocator a(*backend_, {.memory_fraction = 0.5, .expandable_segments = true});
  ASSERT_TRUE(a.expandable_segments());
  std::vector<void*> blocks;
  for (int i = 0; i < 8; ++i)
    blocks.push_back(a.allocate(16 * MiB));
  backend_->fill(blocks[0], 1, 8 * 16 * MiB, Stream{});  // contiguous and mapped
  backend_->synchronize(Stream{});
  for (void* p : blocks)
    a.deallocate(p);
  blocks.clear();
  for (int i = 0; i < 4; ++i)
    blocks.push_back(a.allocate(32 * MiB));
  EXPECT_LE(a.stats().reserved_bytes[kStatAll].current, static_cast<std::int64_t>(144 * MiB));
  for (void* p : blocks)
    a.deallocate(p);
  EXPECT_GT(a.empty_cache(), 0u);
  EXPECT_EQ(a.stats().reserved_bytes[kStatAll].current, 0);
}

}  // namespace
}  // namespace opusperf::gpu
