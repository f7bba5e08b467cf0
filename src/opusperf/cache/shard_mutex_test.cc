#include "opusperf/cache/shard_mutex.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

namespace opusperf::cache {
namespace {

TEST(ShardMutex, TryLockFailsWhileHeld) {
  ShardMutex mu;
  ASSERT_TRUE(mu.try_lock());
  std::thread t([&] { EXPECT_FALSE(mu.try_lock()); });
  t.join();
  mu.unlock();
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

TEST(ShardMutex, ExcludesUnderContentionIncludingSleepers) {
  ShardMutex mu;
  long counter = 0;  // plain: a lost update (or ThreadSanitizer) shows a broken lock
  constexpr int kThreads = 4;
  constexpr int kIncrements = 20'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIncrements; ++i) {
        std::lock_guard lock(mu);
        ++counter;
        // Now and then hold the lock past the spin, so waiters go to sleep and must be woken.
        if (i % 1000 == t) std::this_thread::yield();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(counter, long{kThreads} * kIncrements);
}

}  // namespace
}  // namespace opusperf::cache
