// A remediation observer that keeps a copy of every decision, outcome and
// audit failure it is told about, for tests of code that reports to a
// `RemediationObserver` (a `Remediator`, or a receiver's metrics wired the
// same way).
//
// A `Decision` borrows from its alert and engine, so the observer keeps
// owned copies of what tests assert on. Thread safety: all methods may be
// called concurrently (decisions arrive on deciding threads, outcomes on
// executor threads).
//
//   testing::RecordingObserver observer;
//   RemediatorDeps deps{&executor, &audit, &in_flight, &clock, &observer};
//   ...
//   EXPECT_EQ(observer.decisions()[0].reason, Reason::kExecute);

#ifndef AUTOHEAL_TESTING_RECORDING_OBSERVER_H_
#define AUTOHEAL_TESTING_RECORDING_OBSERVER_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "autoheal/action_executor.h"
#include "autoheal/alert.h"
#include "autoheal/decision.h"
#include "autoheal/internal/mutex.h"
#include "autoheal/remediator.h"

namespace autoheal {
namespace testing {

// What the observer keeps of one decision.
struct ObservedDecision {
  std::string alertname;
  std::string fingerprint;
  Verdict verdict = Verdict::kSkip;
  Reason reason = Reason::kResolved;
  std::string key;
  bool newly_escalated = false;
};

// What the observer keeps of one outcome.
struct ObservedOutcome {
  std::string action;  // the action's name ("escalation" for a page)
  std::string key;
  ActionOutcome outcome;
};

class RecordingObserver final : public RemediationObserver {
 public:
  void OnDecision(const Alert& alert, const Decision& decision) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    ObservedDecision observed{std::string(decision.alertname),
                              alert.fingerprint,
                              decision.verdict,
                              decision.reason,
                              std::string(decision.key.view()),
                              decision.newly_escalated};
    internal::MutexLock lock(&mu_);
    decisions_.push_back(std::move(observed));
  }

  void OnOutcome(const ActionRequest& request,
                 const ActionOutcome& outcome) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    outcomes_.push_back({request.action.name, request.key, outcome});
  }

  void OnAuditFailure(const absl::Status& status) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    audit_failures_.push_back(status);
  }

  // Returns a copy of every decision observed so far, in arrival order.
  std::vector<ObservedDecision> decisions() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return decisions_;
  }

  // Returns a copy of every outcome observed so far, in arrival order.
  std::vector<ObservedOutcome> outcomes() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return outcomes_;
  }

  // Returns every audit failure reported so far, in arrival order.
  std::vector<absl::Status> audit_failures() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return audit_failures_;
  }

 private:
  mutable internal::Mutex mu_;
  std::vector<ObservedDecision> decisions_ ABSL_GUARDED_BY(mu_);
  std::vector<ObservedOutcome> outcomes_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> audit_failures_ ABSL_GUARDED_BY(mu_);
};

}  // namespace testing
}  // namespace autoheal

#endif  // AUTOHEAL_TESTING_RECORDING_OBSERVER_H_
