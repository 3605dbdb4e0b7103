// An executor that records what it was asked to run and runs nothing.
//
// By default each submission completes at once with `kSuccess`; tests can
// make it fail submissions or report another outcome. Thread safety: all
// methods may be called concurrently.
//
//   testing::RecordingExecutor executor;
//   ... code under test submits ...
//   EXPECT_EQ(executor.requests().size(), 1);

#ifndef AUTOHEAL_TESTING_RECORDING_EXECUTOR_H_
#define AUTOHEAL_TESTING_RECORDING_EXECUTOR_H_

#include <atomic>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "autoheal/action_executor.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {
namespace testing {

class RecordingExecutor final : public ActionExecutor {
 public:
  absl::Status Submit(ActionRequest request, DoneCallback done) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    if (reject_.load(std::memory_order_acquire)) {
      return absl::ResourceExhaustedError("executor queue is full (injected)");
    }
    ActionOutcome outcome;
    {
      internal::MutexLock lock(&mu_);
      requests_.push_back(request);
      outcome = outcome_;
    }
    if (done) done(request, outcome);
    return absl::OkStatus();
  }

  // Returns a copy of every request accepted so far, in order.
  std::vector<ActionRequest> requests() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return requests_;
  }

  // Makes every later `Submit()` fail with kResourceExhausted, or not.
  void set_reject(bool reject) { reject_.store(reject); }

  // Sets the outcome reported for later submissions.
  void set_outcome(ActionOutcome outcome) ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    outcome_ = std::move(outcome);
  }

 private:
  mutable internal::Mutex mu_;
  std::vector<ActionRequest> requests_ ABSL_GUARDED_BY(mu_);
  ActionOutcome outcome_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> reject_{false};
};

}  // namespace testing
}  // namespace autoheal

#endif  // AUTOHEAL_TESTING_RECORDING_EXECUTOR_H_
