#include "opusperf/gpu/backend_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "opusperf/core/errors.h"

namespace opusperf::gpu {
namespace {

using ::testing::HasSubstr;

TEST(BackendFactoryTest, HostIsAlwaysThere) {
  const BackendChoice c = make_backend("host", {.capacity_bytes = 1 << 30});
  EXPECT_EQ(c.backend->name(), "host");
  EXPECT_EQ(c.backend->memory_info().total_bytes, 1u << 30);
}

TEST(BackendFactoryTest, AutoFallsBackToHostAndSaysWhy) {
  const BackendChoice c = make_backend("auto");
  if (c.backend->name() == "cuda") {
    EXPECT_TRUE(cuda_backend_built());
    return;
  }
  EXPECT_EQ(c.backend->name(), "host");
  if (cuda_backend_built()) {
    EXPECT_THAT(c.note, HasSubstr("CUDA device"));
  } else {
    EXPECT_THAT(c.note, HasSubstr("no CUDA backend"));
  }
}

TEST(BackendFactoryTest, AskingForAMissingCudaIsARuntimeError) {
  if (make_backend("auto").backend->name() == "cuda") GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(make_backend("cuda"), RuntimeError);
}

TEST(BackendFactoryTest, AnUnknownNameIsBadInput) {
  try {
    make_backend("tpu");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'tpu'"));
    EXPECT_THAT(e.what(), HasSubstr("auto, host, cuda"));
  }
}

}  // namespace
}  // namespace opusperf::gpu
