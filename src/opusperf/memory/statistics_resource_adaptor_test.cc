#include "opusperf/memory/statistics_resource_adaptor.h"

#include <gtest/gtest.h>

#include <memory_resource>
#include <vector>

#include "opusperf/memory/buffer_pool.h"

namespace opusperf {
namespace {

TEST(StatisticsResourceAdaptorTest, CountsWhatPassesThrough) {
  StatisticsResourceAdaptor s(std::pmr::new_delete_resource());
  void* a = s.allocate(100, 16);
  void* b = s.allocate(300, 64);
  s.deallocate(a, 100, 16);
  ResourceStats st = s.stats();
  EXPECT_EQ(st.allocations, 2u);
  EXPECT_EQ(st.deallocations, 1u);
  EXPECT_EQ(st.bytes_allocated_total, 400u);
  EXPECT_EQ(st.bytes_outstanding, 300u);
  EXPECT_EQ(st.bytes_outstanding_peak, 400u);
  s.deallocate(b, 300, 64);
  EXPECT_EQ(s.stats().bytes_outstanding, 0u);
  EXPECT_EQ(s.stats().bytes_outstanding_peak, 400u);
}

// Resources stack: counting above a pool sees every request, counting below it only the misses.
TEST(StatisticsResourceAdaptorTest, StacksAboveAndBelowAPool) {
  StatisticsResourceAdaptor below(&MmapMemoryResource::instance());
  BufferPoolOptions o;
  o.size_classes = {1 << 20};
  o.alignment = 64;
  BufferPool pool(o, &below);
  StatisticsResourceAdaptor above(&pool);
  for (int i = 0; i < 5; ++i) {
    void* p = above.allocate(1 << 20, 64);
    above.deallocate(p, 1 << 20, 64);
  }
  EXPECT_EQ(above.stats().allocations, 5u);
  EXPECT_EQ(below.stats().allocations, 1u);
  std::pmr::vector<int> v(&above);  // and serves standard pmr containers
  v.resize(1000);
  EXPECT_EQ(above.stats().allocations, 6u);
}

TEST(StatisticsResourceAdaptorTest, RejectsNullUpstream) {
  EXPECT_THROW(StatisticsResourceAdaptor(nullptr), std::invalid_argument);
}

}  // namespace
}  // namespace opusperf
