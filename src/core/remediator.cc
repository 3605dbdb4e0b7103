#include "autoheal/remediator.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace autoheal {

Remediator::Remediator(RemediatorDeps deps)
    : executor_(deps.executor),
      audit_(deps.audit),
      in_flight_(deps.in_flight),
      clock_(deps.clock != nullptr ? deps.clock : RealClock()),
      observer_(deps.observer) {}

RemediationResult Remediator::Remediate(Engine& engine,
                                        const WebhookMessage& message) {
  RemediationResult result;
  result.decisions.reserve(message.alerts.size());
  for (const Alert& alert : message.alerts) {
    result.decisions.push_back(engine.Decide(alert));
    const Decision& decision = result.decisions.back();
    if (decision.reason == Reason::kStoreUnavailable) {
      result.store_unavailable = true;
    }
    Dispatch(alert, decision, result);
  }
  return result;
}

void Remediator::Dispatch(const Alert& alert, const Decision& decision,
                          RemediationResult& result) {
  absl::Status audited = audit_->RecordDecision(alert, decision, clock_->Now());
  if (observer_ != nullptr) observer_->OnDecision(alert, decision);
  if (decision.verdict != Verdict::kExecute) return;
  if (!audited.ok()) {
    // No record, no action: an unaudited action is worse than a missed one.
    if (result.error.ok()) {
      result.error = absl::UnavailableError(absl::StrCat(
          "action not run, its decision could not be audited: ",
          audited.message()));
    }
    return;
  }
  ActionRequest request{*decision.action, std::string(decision.key.view()),
                        alert, clock_->Now()};
  in_flight_->Begin(request.key);
  absl::Status submitted = executor_->Submit(
      request, [this](const ActionRequest& r, const ActionOutcome& outcome) {
        Complete(r, outcome);
      });
  if (submitted.ok()) return;
  if (result.error.ok()) result.error = submitted;
  ActionOutcome refused;
  refused.kind = OutcomeKind::kSpawnError;
  refused.error = absl::StrCat("not started: ", submitted.message());
  Complete(request, refused);
}

void Remediator::Complete(const ActionRequest& request,
                          const ActionOutcome& outcome) {
  in_flight_->End(request.key);
  // An outcome that cannot be audited is still counted; the audit sink has
  // already reported its own failure, and the action has run regardless.
  audit_->RecordOutcome(request, outcome, clock_->Now()).IgnoreError();
  if (observer_ != nullptr) observer_->OnOutcome(request, outcome);
}

}  // namespace autoheal
