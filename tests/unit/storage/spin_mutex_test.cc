#include "storage/spin_mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace s2lite::storage {
namespace {

// Mutual exclusion under contention, including the sleeping path: the
// critical section is long enough (a yield) that waiters exhaust their spins.
TEST(SpinThenSleepMutexTest, SerializesContendedIncrements) {
  SpinThenSleepMutex mu;
  long counter = 0;  // plain: a lost update shows as a wrong total
  std::vector<std::thread> threads;
  constexpr int kThreads = 4, kRounds = 20000;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        std::lock_guard lock(mu);
        long seen = counter;
        if (i % 1000 == 0) std::this_thread::yield();
        counter = seen + 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, static_cast<long>(kThreads) * kRounds);
}

TEST(SpinThenSleepMutexTest, SleeperIsWokenByUnlock) {
  SpinThenSleepMutex mu;
  mu.lock();
  EXPECT_FALSE(mu.try_lock());
  bool got = false;
  std::thread waiter([&] {
    std::lock_guard lock(mu);  // spins out, then sleeps until the unlock below
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  mu.unlock();
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_TRUE(mu.try_lock());
  mu.unlock();
}

}  // namespace
}  // namespace s2lite::storage
