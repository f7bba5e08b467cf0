#include "opusperf/gpu/graph_runner.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "opusperf/gpu/caching_allocator.h"
#include "opusperf/gpu/host_backend.h"

namespace opusperf::gpu {
namespace {

class GraphRunnerTest : public ::testing::TestWithParam<GraphRunner::Mode> {
 protected:
  HostBackend backend_;
};

// Captures copy in -> convert -> copy out of n floats; returns what replay produced per round.
TEST_P(GraphRunnerTest, ReplayEqualsEagerResults) {
  constexpr std::size_t n = 1000;
  CachingAllocator alloc(backend_);
  const Stream s = backend_.create_stream();
  void* d_in = alloc.allocate(n * 4, s);
  void* d_half = alloc.allocate(n * 2, s);
  std::vector<float> in(n);
  std::vector<std::uint16_t> out(n, 0xdead);
  GraphRunner runner(backend_, s, GetParam());
  runner.capture([&](Stream st) {
    backend_.copy(d_in, in.data(), n * 4, CopyKind::kHostToDevice, st);
    backend_.convert(Conversion::kFloatToBFloat16, d_in, d_half, n, st);
    backend_.copy(out.data(), d_half, n * 2, CopyKind::kDeviceToHost, st);
  });
  EXPECT_TRUE(runner.captured());
  EXPECT_EQ(out[0], 0xdead);  // capturing runs nothing
  for (int round = 1; round <= 3; ++round) {
    for (std::size_t i = 0; i < n; ++i)
      in[i] = static_cast<float>(i) * 0.1f * static_cast<float>(round);
    runner.replay();
    backend_.synchronize(s);
    std::vector<std::uint16_t> eager(n);
    convert(Conversion::kFloatToBFloat16, in.data(), eager.data(), n);
    ASSERT_EQ(out, eager) << "round " << round;
  }
  EXPECT_EQ(runner.replays(), 3u);
  alloc.deallocate(d_in);
  alloc.deallocate(d_half);
}

TEST_P(GraphRunnerTest, MisuseThrows) {
  const Stream s = backend_.create_stream();
  GraphRunner runner(backend_, s, GetParam());
  EXPECT_THROW(runner.replay(), std::logic_error);
  runner.capture([](Stream) {});
  EXPECT_THROW(runner.capture([](Stream) {}), std::logic_error);
}

TEST_P(GraphRunnerTest, AThrowingStepLeavesTheStreamUsable) {
  const Stream s = backend_.create_stream();
  {
    GraphRunner runner(backend_, s, GetParam());
    const auto step = [](Stream) { throw std::runtime_error("boom"); };
    if (GetParam() == GraphRunner::Mode::kGraph) {  // the step runs while capturing
      EXPECT_THROW(runner.capture(step), std::runtime_error);
      EXPECT_FALSE(runner.captured());
    } else {  // the step runs on replay
      runner.capture(step);
      EXPECT_THROW(runner.replay(), std::runtime_error);
      EXPECT_EQ(runner.replays(), 0u);
    }
  }
  int x = 0;
  const int one = 1;
  backend_.copy(&x, &one, sizeof x, CopyKind::kHostToDevice, s);  // runs: no capture left open
  EXPECT_EQ(x, 1);
}

INSTANTIATE_TEST_SUITE_P(Modes, GraphRunnerTest,
                         ::testing::Values(GraphRunner::Mode::kGraph, GraphRunner::Mode::kEager),
                         [](const ::testing::TestParamInfo<GraphRunner::Mode>& info) {
                           return std::string(to_string(info.param));
                         });

TEST(GraphRunnerModeTest, GraphModeNeedsAStream) {
  HostBackend backend;
  EXPECT_THROW(GraphRunner(backend, Stream{}), std::invalid_argument);
  GraphRunner eager(backend, Stream{}, GraphRunner::Mode::kEager);  // fine without graphs
  EXPECT_EQ(eager.mode(), GraphRunner::Mode::kEager);
}

}  // namespace
}  // namespace opusperf::gpu
