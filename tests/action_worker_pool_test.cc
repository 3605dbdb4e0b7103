// Unit tests for src/process/action_worker_pool.h with a fake runner: the
// bounds, the order, the callbacks and the shutdown rules of the executor's
// pool, without starting any process. Runners block on a gate the test
// opens; nothing sleeps. (Killing running groups and dropping queued work
// when a shutdown's wait passes needs real process groups:
// tests/process_executor_test.cc.)

#include "process/action_worker_pool.h"

#include <pthread.h>
#include <signal.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "autoheal/action_executor.h"
#include "autoheal/internal/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_util.h"

namespace autoheal {
namespace internal {
namespace {

using ::autoheal::testutil::IsOk;
using ::autoheal::testutil::StatusIs;
using ::testing::ElementsAre;

// Closed until Open(); Wait() blocks until then.
class Gate {
 public:
  void Open() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    open_ = true;
  }
  void Wait() ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&open_));
  }

 private:
  internal::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
};

// Records, in order, the requests that ran and the outcomes delivered.
class Journal {
 public:
  void Ran(const std::string& key) ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    ran_.push_back(key);
  }
  void Done(const ActionRequest& request, const ActionOutcome& outcome)
      ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    done_.push_back(absl::StrCat(request.key, ":", outcome.exit_code));
  }
  std::vector<std::string> ran() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return ran_;
  }
  std::vector<std::string> done() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return done_;
  }

 private:
  mutable internal::Mutex mu_;
  std::vector<std::string> ran_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> done_ ABSL_GUARDED_BY(mu_);
};

ActionRequest Request(const std::string& key) {
  ActionRequest request;
  request.action.name = absl::StrCat("action-", key);
  request.key = key;
  return request;
}

// Starts a pool whose runner waits for `gate`, journals the key and
// returns exit code = the key's length.
std::unique_ptr<ActionWorkerPool> StartPool(size_t max_concurrent,
                                            size_t max_queue, Gate* gate,
                                            Journal* journal) {
  absl::StatusOr<std::unique_ptr<ActionWorkerPool>> pool =
      ActionWorkerPool::Start(
          max_concurrent, max_queue,
          [gate, journal](const ActionRequest& request,
                          ActionWorkerPool::Slot&) {
            gate->Wait();
            journal->Ran(request.key);
            ActionOutcome outcome;
            outcome.exit_code = static_cast<int>(request.key.size());
            return outcome;
          });
  EXPECT_THAT(pool, IsOk());
  return pool.ok() ? *std::move(pool) : nullptr;
}

ActionExecutor::DoneCallback Record(Journal* journal) {
  return [journal](const ActionRequest& request, const ActionOutcome& outcome) {
    journal->Done(request, outcome);
  };
}

TEST(ActionWorkerPoolTest, StartRejectsZeroWorkers) {
  EXPECT_THAT(ActionWorkerPool::Start(0, 4, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, "max_concurrent"));
}

TEST(ActionWorkerPoolTest, AcceptsUpToMaxConcurrentPlusMaxQueue) {
  Gate gate;
  Journal journal;
  std::unique_ptr<ActionWorkerPool> pool = StartPool(1, 1, &gate, &journal);
  ASSERT_NE(pool, nullptr);
  ASSERT_THAT(pool->Submit(Request("a"), Record(&journal)), IsOk());
  ASSERT_THAT(pool->Submit(Request("bb"), Record(&journal)), IsOk());
  EXPECT_EQ(pool->InFlight(), 2u);
  EXPECT_THAT(
      pool->Submit(Request("c"), Record(&journal)),
      StatusIs(absl::StatusCode::kResourceExhausted,
               "process executor is full (2 actions in flight: max_concurrent "
               "1 + max_queue 1); action \"action-c\" was not run"));

  gate.Open();
  EXPECT_THAT(pool->Shutdown(absl::InfiniteDuration()), IsOk());
  EXPECT_EQ(pool->InFlight(), 0u);
  EXPECT_THAT(journal.ran(), ElementsAre("a", "bb"));
  EXPECT_THAT(journal.done(), ElementsAre("a:1", "bb:2"));
}

TEST(ActionWorkerPoolTest, OneWorkerRunsRequestsInSubmissionOrder) {
  Gate gate;
  Journal journal;
  std::unique_ptr<ActionWorkerPool> pool = StartPool(1, 8, &gate, &journal);
  ASSERT_NE(pool, nullptr);
  for (const char* key : {"k1", "k2", "k3", "k4"}) {
    ASSERT_THAT(pool->Submit(Request(key), Record(&journal)), IsOk());
  }
  gate.Open();
  EXPECT_THAT(pool->Shutdown(absl::InfiniteDuration()), IsOk());
  EXPECT_THAT(journal.ran(), ElementsAre("k1", "k2", "k3", "k4"));
}

TEST(ActionWorkerPoolTest, AnEmptyDoneCallbackIsAllowed) {
  Gate gate;
  Journal journal;
  std::unique_ptr<ActionWorkerPool> pool = StartPool(2, 0, &gate, &journal);
  ASSERT_NE(pool, nullptr);
  ASSERT_THAT(pool->Submit(Request("x"), nullptr), IsOk());
  gate.Open();
  EXPECT_THAT(pool->Shutdown(absl::InfiniteDuration()), IsOk());
  EXPECT_THAT(journal.ran(), ElementsAre("x"));
}

TEST(ActionWorkerPoolTest, SubmitAfterShutdownIsRefusedAndLaterShutdownsAreOk) {
  Gate gate;
  Journal journal;
  std::unique_ptr<ActionWorkerPool> pool = StartPool(2, 2, &gate, &journal);
  ASSERT_NE(pool, nullptr);
  gate.Open();
  EXPECT_THAT(pool->Shutdown(absl::ZeroDuration()), IsOk());
  EXPECT_THAT(pool->Submit(Request("late"), Record(&journal)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "process executor is shut down; action "
                       "\"action-late\" was not run"));
  EXPECT_THAT(pool->Shutdown(absl::ZeroDuration()), IsOk());
  EXPECT_TRUE(journal.ran().empty());
}

TEST(ActionWorkerPoolTest, ShutdownFromADoneCallbackOrARunnerIsRefused) {
  internal::Mutex mu;
  std::vector<absl::Status> seen;  // guarded by mu
  std::unique_ptr<ActionWorkerPool> pool;
  absl::StatusOr<std::unique_ptr<ActionWorkerPool>> started =
      ActionWorkerPool::Start(
          1, 1, [&](const ActionRequest&, ActionWorkerPool::Slot&) {
            absl::Status s = pool->Shutdown(absl::ZeroDuration());
            internal::MutexLock lock(&mu);
            seen.push_back(s);
            return ActionOutcome{};
          });
  ASSERT_THAT(started, IsOk());
  pool = *std::move(started);
  ASSERT_THAT(pool->Submit(Request("a"),
                           [&](const ActionRequest&, const ActionOutcome&) {
                             absl::Status s =
                                 pool->Shutdown(absl::ZeroDuration());
                             internal::MutexLock lock(&mu);
                             seen.push_back(s);
                           }),
              IsOk());
  EXPECT_THAT(pool->Shutdown(absl::InfiniteDuration()), IsOk());
  internal::MutexLock lock(&mu);
  ASSERT_EQ(seen.size(), 2u);
  for (const absl::Status& s : seen) {
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                            "called from a done callback"));
  }
}

TEST(ActionWorkerPoolTest, WorkersBlockSigpipe) {
  internal::Mutex mu;
  bool blocked = false;  // guarded by mu
  absl::StatusOr<std::unique_ptr<ActionWorkerPool>> pool =
      ActionWorkerPool::Start(
          1, 0, [&](const ActionRequest&, ActionWorkerPool::Slot&) {
            sigset_t mask;
            pthread_sigmask(SIG_BLOCK, nullptr, &mask);
            internal::MutexLock lock(&mu);
            blocked = sigismember(&mask, SIGPIPE) == 1;
            return ActionOutcome{};
          });
  ASSERT_THAT(pool, IsOk());
  ASSERT_THAT((*pool)->Submit(Request("a"), nullptr), IsOk());
  EXPECT_THAT((*pool)->Shutdown(absl::InfiniteDuration()), IsOk());
  internal::MutexLock lock(&mu);
  EXPECT_TRUE(blocked);
}

}  // namespace
}  // namespace internal
}  // namespace autoheal
