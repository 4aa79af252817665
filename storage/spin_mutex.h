#pragma once
// A mutex for short critical sections shared by a few busy threads (the
// registry's): it spins briefly before sleeping. A plain std::mutex puts the
// loser to sleep at once, and on two cores the futex sleep and wake-up cost
// more than the SQLite call it waited for.
#include <atomic>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace s2lite::storage {

class SpinThenSleepMutex {
 public:
  void lock() {
    for (int i = 0; i < kSpins && !long_hold_.load(std::memory_order_relaxed); ++i) {
      int expected = 0;
      if (state_.load(std::memory_order_relaxed) == 0 &&
          state_.compare_exchange_weak(expected, 1, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
        return;
      }
      Pause();
    }
    // Contended: mark it (2 = someone may sleep) and sleep until released.
    while (state_.exchange(2, std::memory_order_acquire) != 0) state_.wait(2);
  }
  bool try_lock() {
    int expected = 0;
    return state_.compare_exchange_strong(expected, 1, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }
  void unlock() {
    if (state_.exchange(0, std::memory_order_release) == 2) state_.notify_one();
  }

  // Held across something long (a commit's WAL writes): while it lasts,
  // waiters sleep at once instead of spinning. Construct after locking.
  class LongHold {
   public:
    explicit LongHold(SpinThenSleepMutex& m) : m_(m) {
      m_.long_hold_.store(true, std::memory_order_relaxed);
    }
    ~LongHold() { m_.long_hold_.store(false, std::memory_order_relaxed); }
    LongHold(const LongHold&) = delete;
    LongHold& operator=(const LongHold&) = delete;

   private:
    SpinThenSleepMutex& m_;
  };

 private:
  static constexpr int kSpins = 2000;  // about 20 us (a pause is ~10 ns)
  static void Pause() {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#else
    std::this_thread::yield();
#endif
  }
  std::atomic<int> state_{0};  // 0 free, 1 held, 2 held and maybe a sleeper
  std::atomic<bool> long_hold_{false};
};

}  // namespace s2lite::storage
