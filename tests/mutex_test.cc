// autoheal::internal::Mutex and its locks keep absl::Mutex's semantics: exclusion,
// shared readers, TryLock, Await, internal::CondVar and the real-time wait. Under TSan
// (the concurrency suite) the same tests also show that the annotations let
// TSan see every hand-off without reporting a race.
#include "autoheal/internal/mutex.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "start_gate.h"

namespace autoheal {
namespace {

constexpr int kThreads = 4;
constexpr int kIncrements = 20'000;
// Far beyond what any of these bodies needs, even under TSan.
constexpr std::chrono::seconds kHang(60);

// Runs `body` on a thread of its own and fails at once if it has not
// returned within kHang: a lock that never grants, or an Await that never
// wakes, must fail this test, not hang the suite until ctest's timeout.
// The watchdog waits on std primitives, not on the internal::Mutex under test. On
// timeout the process exits (the stuck thread can be neither joined nor
// cancelled).
void FinishesInTime(const char* what, std::function<void()> body) {
  struct Done {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto state = std::make_shared<Done>();
  std::thread runner([state, body = std::move(body)] {
    body();
    std::lock_guard<std::mutex> lock(state->mu);
    state->done = true;
    state->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(state->mu);
  if (!state->cv.wait_for(lock, kHang, [&] { return state->done; })) {
    std::fprintf(stderr, "FAILED: %s did not finish within %lld s (hang)\n",
                 what, static_cast<long long>(kHang.count()));
    std::fflush(stderr);
    std::_Exit(1);
  }
  lock.unlock();
  runner.join();
}

class Counter {
 public:
  void Add() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    ++count_;  // a plain int: only the lock keeps increments apart
  }
  int count() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return count_;
  }

 private:
  mutable internal::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(MutexTest, MutexLockExcludesEveryOtherThread) {
  Counter counter;
  FinishesInTime("the increments", [&] {
    testutil::StartGate start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.ArriveAndWait();
        for (int i = 0; i < kIncrements; ++i) counter.Add();
      });
    }
    for (std::thread& thread : threads) thread.join();
  });
  EXPECT_EQ(counter.count(), kThreads * kIncrements);
}

TEST(MutexTest, TryLockFailsWhileAnotherThreadHoldsTheMutex) {
  internal::Mutex mu;
  mu.Lock();
  bool taken_while_held = true;
  std::thread([&] {
    taken_while_held = false;
    if (mu.TryLock()) {
      taken_while_held = true;
      mu.Unlock();
    }
  }).join();
  mu.Unlock();
  EXPECT_FALSE(taken_while_held);

  bool taken_when_free = false;
  std::thread([&] {
    taken_when_free = false;
    if (mu.TryLock()) {
      taken_when_free = true;
      mu.Unlock();
    }
  }).join();
  EXPECT_TRUE(taken_when_free);
}

TEST(MutexTest, ReadersShareTheMutexAndExcludeWriters) {
  internal::Mutex mu;
  int value = 7;
  internal::ReaderMutexLock outer(&mu);
  // A second reader gets in while this one holds the mutex (if readers
  // excluded each other, it would wait forever: the watchdog fails) ...
  int seen = 0;
  FinishesInTime("a second reader", [&] {
    std::thread([&] {
      internal::ReaderMutexLock inner(&mu);
      seen = value;
    }).join();
  });
  EXPECT_EQ(seen, 7);
  // ... but a writer does not.
  bool writer_got_in = true;
  std::thread([&] {
    writer_got_in = false;
    if (mu.TryLock()) {
      writer_got_in = true;
      mu.Unlock();
    }
  }).join();
  EXPECT_FALSE(writer_got_in);
}

// A queue of one slot handed between a producer and a consumer with Await.
class Mailbox {
 public:
  void Put(int value) ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Mailbox::Empty));
    value_ = value;
    full_ = true;
  }
  int Take() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &Mailbox::Full));
    full_ = false;
    return value_;
  }

 private:
  bool Empty() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !full_; }
  bool Full() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return full_; }

  internal::Mutex mu_;
  bool full_ ABSL_GUARDED_BY(mu_) = false;
  int value_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(MutexTest, AwaitHandsEveryValueOverInOrder) {
  Mailbox mailbox;
  constexpr int kValues = 2'000;
  std::thread producer([&] {
    for (int i = 1; i <= kValues; ++i) mailbox.Put(i);
  });
  long long sum = 0;
  bool in_order = true;
  FinishesInTime("the hand-over", [&] {
    for (int i = 1; i <= kValues; ++i) {
      const int got = mailbox.Take();
      in_order = in_order && got == i;
      sum += got;
    }
  });
  producer.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(sum, static_cast<long long>(kValues) * (kValues + 1) / 2);
}

TEST(MutexTest, CondVarWaitSeesTheSignalledState) {
  internal::Mutex mu;
  internal::CondVar cv;
  int stage = 0;  // guarded by mu; ping-pongs between the two threads
  constexpr int kRounds = 1'000;
  std::thread other([&] {
    internal::MutexLock lock(&mu);
    for (int round = 0; round < kRounds; ++round) {
      while (stage % 2 == 0) cv.Wait(&mu);
      ++stage;
      cv.SignalAll();
    }
  });
  FinishesInTime("the ping-pong", [&] {
    internal::MutexLock lock(&mu);
    for (int round = 0; round < kRounds; ++round) {
      ++stage;
      cv.Signal();
      while (stage % 2 == 1) cv.Wait(&mu);
    }
  });
  other.join();
  internal::MutexLock lock(&mu);
  EXPECT_EQ(stage, 2 * kRounds);
}

TEST(MutexTest, AwaitWithRealTimeoutReturnsAtOnceWhenTheConditionHolds) {
  internal::Mutex mu;
  bool ready = true;
  internal::MutexLock lock(&mu);
  EXPECT_TRUE(internal::AwaitWithRealTimeout(mu, absl::Condition(&ready),
                                             absl::InfiniteDuration()));
}

TEST(MutexTest, AwaitWithRealTimeoutGivesUpWhenTheTimeoutPasses) {
  internal::Mutex mu;
  bool never = false;
  internal::MutexLock lock(&mu);
  EXPECT_FALSE(internal::AwaitWithRealTimeout(mu, absl::Condition(&never),
                                              absl::Milliseconds(1)));
  EXPECT_FALSE(internal::AwaitWithRealTimeout(mu, absl::Condition(&never),
                                              absl::ZeroDuration()));
  EXPECT_FALSE(internal::AwaitWithRealTimeout(mu, absl::Condition(&never),
                                              -absl::Seconds(1)));
}

TEST(MutexTest, AwaitWithRealTimeoutWakesWhenAnotherThreadMakesItTrue) {
  internal::Mutex mu;
  bool ready = false;  // guarded by mu
  std::thread setter([&] {
    internal::MutexLock lock(&mu);
    ready = true;
  });
  bool woke = false;
  FinishesInTime("the real-time wait", [&] {
    internal::MutexLock lock(&mu);
    woke = internal::AwaitWithRealTimeout(mu, absl::Condition(&ready),
                                          absl::Seconds(30));
  });
  setter.join();
  EXPECT_TRUE(woke);
}

}  // namespace
}  // namespace autoheal
