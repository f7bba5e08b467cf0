#include "opusperf/memory/buffer_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "opusperf/memory/statistics_resource_adaptor.h"

namespace opusperf {
namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kScale = 10;  // sanitizers run 5-20x slower
#else
constexpr int kScale = 1;
#endif

constexpr std::size_t kMiB = 1 << 20;

BufferPoolOptions small_classes() {
  BufferPoolOptions o;
  o.size_classes = {64 * 1024, 256 * 1024, 1 * kMiB};
  o.alignment = 64;
  o.max_idle_bytes = 16 * kMiB;
  return o;
}

TEST(BufferPoolTest, AcquireGivesAlignedBufferOfItsClass) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool({}, &upstream);
  const std::size_t bytes = frame_bytes(1920, 1080, PixelFormat::kRgb24);
  Buffer b = pool.acquire(bytes);
  ASSERT_TRUE(b);
  EXPECT_EQ(b.size(), bytes);
  EXPECT_EQ(b.capacity(), (bytes + 4095) / 4096 * 4096);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % 4096, 0u);
  std::memset(b.data(), 0xab, b.size());  // writable end to end
  EXPECT_EQ(pool.stats().misses, 1u);
  EXPECT_EQ(pool.stats().bytes_in_use, b.capacity());
  EXPECT_EQ(upstream.stats().allocations, 1u);
}

TEST(BufferPoolTest, ReleasedBufferIsReusedWithoutUpstreamAllocation) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool(small_classes(), &upstream);
  void* first = nullptr;
  {
    Buffer b = pool.acquire(200 * 1024);
    first = b.data();
  }
  EXPECT_EQ(pool.stats().bytes_idle, 256u * 1024);
  EXPECT_EQ(pool.stats().bytes_in_use, 0u);
  Buffer again = pool.acquire(256 * 1024);  // same class
  EXPECT_EQ(again.data(), first);
  const BufferPoolStats s = pool.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.thread_cache_hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(upstream.stats().allocations, 1u);
  EXPECT_DOUBLE_EQ(s.hit_rate(), 0.5);
}

TEST(BufferPoolTest, RequestsNoClassFitsGoStraightUpstream) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool(small_classes(), &upstream);
  EXPECT_EQ(pool.class_capacity(2 * kMiB), 0u);  // bigger than every class
  EXPECT_EQ(pool.class_capacity(1000), 0u);      // the 64 KiB class would be over twice it
  EXPECT_EQ(pool.class_capacity(40 * 1024), 64u * 1024);
  {
    Buffer big = pool.acquire(2 * kMiB);
    Buffer tiny = pool.acquire(1000);
    EXPECT_EQ(big.capacity(), 2 * kMiB);
    EXPECT_EQ(pool.stats().unpooled, 2u);
    EXPECT_EQ(pool.stats().bytes_in_use, 2 * kMiB + 1000);
  }
  const BufferPoolStats s = pool.stats();
  EXPECT_EQ(s.bytes_idle, 0u);  // unpooled buffers are never kept
  EXPECT_EQ(s.upstream_deallocations, 2u);
  EXPECT_EQ(upstream.stats().bytes_outstanding, 0u);
}

TEST(BufferPoolTest, IdleBytesStayUnderTheCap) {
  BufferPoolOptions o = small_classes();
  o.max_idle_bytes = 2 * kMiB;
  o.thread_cache_slots = 1;
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool(o, &upstream);
  {
    std::vector<Buffer> held;
    for (int i = 0; i < 3; ++i)
      held.push_back(pool.acquire(kMiB));
  }
  const BufferPoolStats s = pool.stats();
  EXPECT_EQ(s.bytes_idle, 2 * kMiB);
  EXPECT_EQ(s.released_over_cap, 1u);
  EXPECT_EQ(upstream.stats().bytes_outstanding, 2 * kMiB);
}

TEST(BufferPoolTest, ZeroCapKeepsNothing) {
  BufferPoolOptions o = small_classes();
  o.max_idle_bytes = 0;
  BufferPool pool(o);
  pool.acquire(kMiB).reset();
  EXPECT_EQ(pool.stats().bytes_idle, 0u);
  EXPECT_EQ(pool.stats().released_over_cap, 1u);
}

TEST(BufferPoolTest, ReleaseIdleEmptiesSharedListsAndThreadCaches) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool(small_classes(), &upstream);
  {
    std::vector<Buffer> held;
    for (int i = 0; i < 6; ++i)
      held.push_back(pool.acquire(kMiB));  // 2 go to this thread's cache, 4 to the shared list
  }
  std::thread([&] { pool.acquire(256 * 1024).reset(); }).join();  // another thread's cache
  EXPECT_EQ(pool.stats().bytes_idle, 6 * kMiB + 256 * 1024);

  EXPECT_EQ(pool.release_idle(3 * kMiB), 4 * kMiB);  // largest first, down to the keep
  EXPECT_EQ(pool.stats().bytes_idle, 2 * kMiB + 256 * 1024);
  EXPECT_EQ(pool.release_idle(0), 2 * kMiB + 256 * 1024);
  const BufferPoolStats s = pool.stats();
  EXPECT_EQ(s.bytes_idle, 0u);
  EXPECT_EQ(s.bytes_trimmed, 6 * kMiB + 256 * 1024);
  EXPECT_EQ(upstream.stats().bytes_outstanding, 0u);
}

TEST(BufferPoolTest, ExitedThreadsCacheIsAdoptedByTheNextThread) {
  BufferPool pool(small_classes());
  void* p = nullptr;
  std::thread([&] {
    Buffer b = pool.acquire(kMiB);
    p = b.data();
  }).join();
  void* q = nullptr;
  std::thread([&] { q = pool.acquire(kMiB).data(); }).join();
  EXPECT_EQ(q, p);
  EXPECT_EQ(pool.stats().thread_cache_hits, 1u);
}

TEST(BufferPoolTest, BufferReleasedOnAnotherThreadReturnsToThePool) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool(small_classes(), &upstream);
  Buffer b = pool.acquire(kMiB);
  std::thread([buf = std::move(b)]() mutable { buf.reset(); }).join();
  EXPECT_EQ(pool.stats().bytes_idle, kMiB);
  EXPECT_EQ(pool.stats().bytes_in_use, 0u);
  Buffer again = pool.acquire(kMiB);  // from the shared list or the adopted cache
  EXPECT_EQ(upstream.stats().allocations, 1u);
}

// A decode -> process pipeline: one thread acquires, another releases. The releases land in the
// consumer's cache; the producer takes them from there instead of going upstream.
TEST(BufferPoolTest, ProducerConsumerPipelineReusesBuffersAcrossThreads) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool(small_classes(), &upstream);
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Buffer> queue;
  bool done = false;
  const int frames = 2000 / kScale;
  std::thread consumer([&] {
    for (;;) {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return done || !queue.empty(); });
      if (queue.empty()) return;
      Buffer b = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      cv.notify_all();
      b.data()[0] = std::byte{2};  // "process", then release on this thread
    }
  });
  for (int i = 0; i < frames; ++i) {
    Buffer b = pool.acquire(kMiB);
    b.data()[0] = std::byte{1};
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return queue.size() < 4; });  // bounded queue: back-pressure
    queue.push_back(std::move(b));
    cv.notify_all();
  }
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  consumer.join();
  // At most a handful of buffers ever exist: queue depth + one on each side + cache slack.
  EXPECT_LE(upstream.stats().allocations, 10u);
  EXPECT_EQ(pool.stats().hits + pool.stats().misses, static_cast<std::uint64_t>(frames));
}

TEST(BufferPoolTest, MovedHandleReleasesOnce) {
  BufferPool pool(small_classes());
  Buffer a = pool.acquire(kMiB);
  Buffer b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): testing the moved-from state
  ASSERT_TRUE(b);
  Buffer c;
  c = std::move(b);
  c.reset();
  c.reset();
  EXPECT_EQ(pool.stats().bytes_idle, kMiB);
  EXPECT_EQ(pool.stats().bytes_in_use, 0u);
}

TEST(BufferPoolTest, NoUpstreamAllocationAfterWarmUpForThreeFrameSizes) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool({}, &upstream);
  const std::size_t sizes[] = {frame_bytes(1280, 720, PixelFormat::kNv12),
                               frame_bytes(1920, 1080, PixelFormat::kRgb24),
                               frame_bytes(3840, 2160, PixelFormat::kNv12)};
  const auto run = [&](int frames) {
    std::vector<Buffer> in_flight;  // a decode queue four frames deep
    for (int i = 0; i < frames; ++i) {
      in_flight.push_back(pool.acquire(sizes[i % 3]));
      in_flight.back().data()[0] = std::byte{1};
      if (in_flight.size() > 4) in_flight.erase(in_flight.begin());
    }
  };
  run(30);  // warm-up
  const std::uint64_t after_warmup = upstream.stats().allocations;
  run(10'000 / kScale);
  EXPECT_EQ(upstream.stats().allocations, after_warmup);
  EXPECT_EQ(pool.stats().upstream_allocations, after_warmup);
}

TEST(BufferPoolTest, ServesAsPolymorphicMemoryResource) {
  BufferPool pool(small_classes());
  std::pmr::memory_resource& r = pool;
  void* p = r.allocate(kMiB, 64);
  r.deallocate(p, kMiB, 64);
  void* q = r.allocate(kMiB, 64);
  EXPECT_EQ(q, p);
  r.deallocate(q, kMiB, 64);
  // An alignment above the pool's is served upstream, unpooled.
  void* page = r.allocate(kMiB, 4096);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(page) % 4096, 0u);
  r.deallocate(page, kMiB, 4096);
  EXPECT_EQ(pool.stats().unpooled, 1u);
}

TEST(BufferPoolTest, RejectsBadOptions) {
  const auto with = [](auto change) {
    BufferPoolOptions o;
    change(o);
    return o;
  };
  EXPECT_THROW(BufferPool(with([](auto& o) { o.alignment = 32; })), std::invalid_argument);
  EXPECT_THROW(BufferPool(with([](auto& o) { o.alignment = 100; })), std::invalid_argument);
  EXPECT_THROW(BufferPool(with([](auto& o) { o.alignment = 1 << 16; })), std::invalid_argument);
  EXPECT_THROW(BufferPool(with([](auto& o) { o.size_classes.clear(); })), std::invalid_argument);
  EXPECT_THROW(BufferPool(with([](auto& o) { o.size_classes = {0}; })), std::invalid_argument);
  EXPECT_THROW(BufferPool(with([](auto& o) { o.thread_cache_slots = 9; })), std::invalid_argument);
  EXPECT_THROW(BufferPool({}, nullptr), std::invalid_argument);
  BufferPool pool;
  EXPECT_THROW(pool.acquire(0), std::invalid_argument);
}

// Many threads acquire, write and release buffers of every class (handing some to each other)
// while another thread trims; afterwards the pool's accounting matches the upstream's exactly.
TEST(BufferPoolTest, ConcurrentUseAndTrimKeepAccountingExact) {
  StatisticsResourceAdaptor upstream(&MmapMemoryResource::instance());
  BufferPool pool(small_classes(), &upstream);
  constexpr int kThreads = 4;
  const int iterations = 4000 / kScale;
  std::atomic<bool> done{false};
  std::thread trimmer([&] {
    while (!done.load()) {
      pool.release_idle(kMiB);
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      const std::size_t sizes[] = {50 * 1024, 200 * 1024, 900 * 1024, 3 * kMiB};
      std::vector<Buffer> held;
      for (int i = 0; i < iterations; ++i) {
        Buffer b = pool.acquire(sizes[rng() % 4]);
        b.data()[b.size() - 1] = std::byte{static_cast<unsigned char>(i)};
        held.push_back(std::move(b));
        if (held.size() > 3) held.erase(held.begin() + static_cast<std::ptrdiff_t>(rng() % 4));
      }
    });
  }
  for (auto& w : workers)
    w.join();
  done = true;
  trimmer.join();
  const BufferPoolStats s = pool.stats();
  EXPECT_EQ(s.bytes_in_use, 0u);
  EXPECT_EQ(upstream.stats().bytes_outstanding, s.bytes_idle);
  EXPECT_EQ(upstream.stats().allocations, s.upstream_allocations);
  EXPECT_EQ(upstream.stats().deallocations, s.upstream_deallocations);
  EXPECT_EQ(s.hits + s.misses + s.unpooled, static_cast<std::uint64_t>(kThreads * iterations));
  pool.release_idle(0);
  EXPECT_EQ(upstream.stats().bytes_outstanding, 0u);
}

}  // namespace
}  // namespace opusperf
