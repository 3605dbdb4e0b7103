// An audit sink that keeps records in memory, for tests.
//
// Records are copied into owned `AuditEntry` values, so they stay valid after
// the alert and decision are gone. Thread safety: all methods may be called
// concurrently. A fault switch makes writes fail with kUnavailable.

#ifndef AUTOHEAL_TESTING_MEMORY_AUDIT_SINK_H_
#define AUTOHEAL_TESTING_MEMORY_AUDIT_SINK_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "autoheal/audit_sink.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {
namespace testing {

struct AuditEntry {
  enum class Type { kDecision, kOutcome, kStateClear };
  Type type = Type::kDecision;
  absl::Time at;
  std::string alertname;
  std::string fingerprint;
  std::string key;
  Verdict verdict = Verdict::kSkip;   // kDecision only
  Reason reason = Reason::kResolved;  // kDecision only
  std::string action;                 // empty when none
  OutcomeKind outcome = OutcomeKind::kSuccess;  // kOutcome only
  int exit_code = 0;                            // kOutcome only
  bool newly_escalated = false;  // kDecision only
  bool was_latched = false;      // kStateClear only
};

class MemoryAuditSink final : public AuditSink {
 public:
  absl::Status RecordDecision(const Alert& alert, const Decision& decision,
                              absl::Time at) override ABSL_LOCKS_EXCLUDED(mu_) {
    if (down_.load(std::memory_order_acquire)) {
      return absl::UnavailableError("audit sink is down (injected fault)");
    }
    AuditEntry e;
    e.type = AuditEntry::Type::kDecision;
    e.at = at;
    e.alertname = std::string(alert.alertname());
    e.fingerprint = alert.fingerprint;
    e.key = std::string(decision.key.view());
    e.verdict = decision.verdict;
    e.reason = decision.reason;
    if (decision.action != nullptr) e.action = decision.action->name;
    e.newly_escalated = decision.newly_escalated;
    Append(std::move(e));
    return absl::OkStatus();
  }

  absl::Status RecordStateClear(absl::string_view key, bool was_latched,
                                absl::string_view /*by*/, absl::Time at) override
      ABSL_LOCKS_EXCLUDED(mu_) {
    if (down_.load(std::memory_order_acquire)) {
      return absl::UnavailableError("audit sink is down (injected fault)");
    }
    AuditEntry e;
    e.type = AuditEntry::Type::kStateClear;
    e.at = at;
    e.key = std::string(key);
    e.was_latched = was_latched;
    Append(std::move(e));
    return absl::OkStatus();
  }

  absl::Status RecordOutcome(const ActionRequest& request,
                             const ActionOutcome& outcome,
                             absl::Time at) override ABSL_LOCKS_EXCLUDED(mu_) {
    if (down_.load(std::memory_order_acquire)) {
      return absl::UnavailableError("audit sink is down (injected fault)");
    }
    AuditEntry e;
    e.type = AuditEntry::Type::kOutcome;
    e.at = at;
    e.alertname = std::string(request.alert.alertname());
    e.fingerprint = request.alert.fingerprint;
    e.key = request.key;
    e.action = request.action.name;
    e.outcome = outcome.kind;
    e.exit_code = outcome.exit_code;
    Append(std::move(e));
    return absl::OkStatus();
  }

  absl::Status Flush() override { return absl::OkStatus(); }

  // Returns a copy of every entry so far, in order.
  std::vector<AuditEntry> entries() const ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    return entries_;
  }

  // Makes later writes fail with kUnavailable, or not.
  void set_down(bool down) { down_.store(down, std::memory_order_release); }

 private:
  void Append(AuditEntry e) ABSL_LOCKS_EXCLUDED(mu_) {
    internal::MutexLock lock(&mu_);
    entries_.push_back(std::move(e));
  }

  mutable internal::Mutex mu_;
  std::vector<AuditEntry> entries_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> down_{false};
};

}  // namespace testing
}  // namespace autoheal

#endif  // AUTOHEAL_TESTING_MEMORY_AUDIT_SINK_H_
