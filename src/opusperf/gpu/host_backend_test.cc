#include "opusperf/gpu/host_backend.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace opusperf::gpu {
namespace {

constexpr std::size_t MiB = 1024 * 1024;

TEST(HostBackendTest, AllocatesUpToItsCapacity) {
  HostBackend b({.capacity_bytes = 64 * MiB});
  EXPECT_EQ(b.name(), "host");
  EXPECT_EQ(b.info().total_bytes, 64 * MiB);
  void* p = b.allocate(40 * MiB);
  ASSERT_NE(p, nullptr);
  std::memset(p, 1, 40 * MiB);  // real, writable memory
  EXPECT_EQ(b.memory_info().free_bytes, 24 * MiB);
  EXPECT_EQ(b.allocate(30 * MiB), nullptr);  // beyond capacity: out of memory, not an error
  EXPECT_EQ(b.allocate_calls(), 2u);
  b.deallocate(p, 40 * MiB);
  EXPECT_EQ(b.memory_info().free_bytes, 64 * MiB);
  EXPECT_EQ(b.bytes_in_use(), 0u);
}

TEST(HostBackendTest, HostMemoryIsAlignedAndOutsideTheCapacity) {
  HostBackend b({.capacity_bytes = 1 * MiB});
  void* p = b.allocate_host(4 * MiB);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u);
  std::memset(p, 3, 4 * MiB);
  EXPECT_EQ(b.bytes_in_use(), 0u);
  b.deallocate_host(p);
}

TEST(HostBackendTest, DefaultCapacityIsPhysicalMemory) {
  HostBackend b;
  EXPECT_GT(b.memory_info().total_bytes, 64 * MiB);
}

TEST(HostBackendTest, MapsMemoryIntoReservedAddressSpace) {
  HostBackend b({.capacity_bytes = 16 * MiB});
  const std::size_t g = b.map_granularity();
  ASSERT_TRUE(b.supports_virtual_memory());
  auto* base = static_cast<unsigned char*>(b.reserve_address(64 * MiB));  // more than capacity
  ASSERT_NE(base, nullptr);
  EXPECT_EQ(b.bytes_in_use(), 0u);  // address space costs no capacity
  ASSERT_TRUE(b.map(base, 8 * MiB));
  ASSERT_TRUE(b.map(base + 8 * MiB, 8 * MiB));
  EXPECT_FALSE(b.map(base + 16 * MiB, g));  // capacity reached
  std::memset(base, 7, 16 * MiB);
  b.unmap(base, 8 * MiB);
  EXPECT_EQ(b.bytes_in_use(), 8 * MiB);
  ASSERT_TRUE(b.map(base, g));
  EXPECT_EQ(base[0], 0);  // fresh pages after an unmap
  EXPECT_EQ(base[8 * MiB], 7);
  b.unmap(base, g);
  b.unmap(base + 8 * MiB, 8 * MiB);
  b.release_address(base, 64 * MiB);
  EXPECT_EQ(b.bytes_in_use(), 0u);
}

TEST(HostBackendTest, EventsCompleteAtOnceByDefault) {
  HostBackend b;
  const Stream s = b.create_stream();
  const Event e = b.create_event();
  EXPECT_TRUE(b.event_completed(e));  // never recorded
  b.record_event(e, s);
  EXPECT_TRUE(b.event_completed(e));
  b.destroy_event(e);
  b.destroy_stream(s);
}

TEST(HostBackendTest, ManualEventsCompleteWhenTheirStreamIsToldTo) {
  HostBackend b({.manual_event_completion = true});
  const Stream s1 = b.create_stream();
  const Stream s2 = b.create_stream();
  const Event e1 = b.create_event();
  const Event e2 = b.create_event();
  b.record_event(e1, s1);
  b.record_event(e2, s2);
  EXPECT_FALSE(b.event_completed(e1));
  EXPECT_EQ(b.complete_stream(s1), 1u);
  EXPECT_TRUE(b.event_completed(e1));
  EXPECT_FALSE(b.event_completed(e2));
  b.synchronize(s2);
  EXPECT_TRUE(b.event_completed(e2));
  b.record_event(e1, s1);
  b.record_event(e2, s2);
  EXPECT_EQ(b.complete_all(), 2u);
  EXPECT_THROW(b.record_event(Event{12345}, s1), std::invalid_argument);
}

TEST(HostBackendTest, StreamWorkRunsAtOnce) {
  HostBackend b;
  std::vector<float> in = {1.0f, 2.0f, -0.5f};
  std::vector<std::uint16_t> half(3);
  std::vector<float> back(3);
  b.convert(Conversion::kFloatToHalf, in.data(), half.data(), 3, Stream{});
  b.convert(Conversion::kHalfToFloat, half.data(), back.data(), 3, Stream{});
  EXPECT_EQ(back, in);
  std::vector<std::uint8_t> bytes(16, 0);
  b.fill(bytes.data(), 9, 8, Stream{});
  b.copy(bytes.data() + 8, bytes.data(), 8, CopyKind::kDeviceToDevice, Stream{});
  EXPECT_EQ(bytes, std::vector<std::uint8_t>(16, 9));
}

TEST(HostBackendTest, CaptureRecordsWorkAndLaunchRunsItAgain) {
  HostBackend b;
  const Stream s = b.create_stream();
  int counter_src = 1;
  int counter = 0;
  b.begin_capture(s);
  b.copy(&counter, &counter_src, sizeof(int), CopyKind::kHostToDevice, s);
  b.fill(&counter_src, 0, 0, Stream{});  // another stream: not captured, runs now
  const Graph g = b.end_capture(s);
  EXPECT_EQ(counter, 0);  // captured, not run
  b.launch(g, s);
  EXPECT_EQ(counter, 1);
  counter_src = 5;
  b.launch(g, s);
  EXPECT_EQ(counter, 5);  // replay reads the buffer as it is now
  b.destroy_graph(g);
  EXPECT_THROW(b.launch(g, s), std::invalid_argument);
}

TEST(HostBackendTest, CaptureMisuseThrows) {
  HostBackend b;
  const Stream s = b.create_stream();
  EXPECT_THROW(b.begin_capture(Stream{}), std::invalid_argument);
  EXPECT_THROW(b.end_capture(s), std::logic_error);
  b.begin_capture(s);
  EXPECT_THROW(b.begin_capture(s), std::logic_error);
  b.destroy_graph(b.end_capture(s));
}

}  // namespace
}  // namespace opusperf::gpu
