#include "autoheal/remediator.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "autoheal/arg_template.h"

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
  // One store call for the whole notification.
  result.decisions = engine.DecideAll(message);
  std::vector<AuditSink::DecisionRecord> records;
  records.reserve(message.alerts.size());
  for (size_t i = 0; i < message.alerts.size(); ++i) {
    const Decision& decision = result.decisions[i];
    if (decision.reason == Reason::kStoreUnavailable) {
      result.store_unavailable = true;
    }
    records.push_back({&message.alerts[i], &decision});
  }
  // One audit call for the whole notification; it returns once every
  // execute decision is durable, and only then do actions start.
  absl::Status audited = audit_->RecordDecisions(records, clock_->Now());
  if (!audited.ok() && observer_ != nullptr) observer_->OnAuditFailure(audited);
  for (size_t i = 0; i < message.alerts.size(); ++i) {
    const Decision& decision = result.decisions[i];
    if (observer_ != nullptr) observer_->OnDecision(message.alerts[i], decision);
    if (decision.verdict == Verdict::kExecute) {
      Dispatch(message.alerts[i], decision, audited, result);
    } else if (decision.newly_escalated && audited.ok()) {
      Escalate(engine.options(), message.alerts[i], decision, result);
    }
  }
  return result;
}

void Remediator::Escalate(const EngineOptions& options, const Alert& alert,
                          const Decision& decision,
                          RemediationResult& result) {
  // Dry-run previews an escalation in its audit line but pages nobody.
  if (!options.enabled || !options.escalation.has_value()) return;
  Action command;
  command.alertname = decision.action->alertname;
  command.name = std::string(kEscalationActionName);
  command.argv = options.escalation->argv;
  command.timeout = options.escalation->timeout;
  ActionRequest request{std::move(command), std::string(decision.key.view()),
                        alert, clock_->Now()};
  // Not marked in flight: the key's own action may still be running, and
  // the escalation must not end that mark when it completes.
  absl::Status submitted = executor_->Submit(
      request, [this](const ActionRequest& r, const ActionOutcome& outcome) {
        RecordOutcome(r, outcome);
      });
  if (submitted.ok()) return;
  if (result.submit_error.ok()) result.submit_error = submitted;
  ActionOutcome refused;
  refused.kind = OutcomeKind::kSpawnError;
  refused.error = absl::StrCat("not started: ", submitted.message());
  RecordOutcome(request, refused);
}

void Remediator::Dispatch(const Alert& alert, const Decision& decision,
                          const absl::Status& audited,
                          RemediationResult& result) {
  if (!audited.ok()) {
    // No record, no action: an unaudited action is worse than a missed one.
    if (result.audit_error.ok()) {
      result.audit_error = absl::UnavailableError(absl::StrCat(
          "action not run, its decision could not be audited: ",
          audited.message()));
    }
    return;
  }
  ActionRequest request{*decision.action, std::string(decision.key.view()),
                        alert, clock_->Now()};
  // The engine has checked every templated label against its pattern.
  request.action.argv = ExpandArgv(decision.action->argv, alert);
  in_flight_->Begin(request.key);
  absl::Status submitted = executor_->Submit(
      request, [this](const ActionRequest& r, const ActionOutcome& outcome) {
        Complete(r, outcome);
      });
  if (submitted.ok()) return;
  if (result.submit_error.ok()) result.submit_error = submitted;
  ActionOutcome refused;
  refused.kind = OutcomeKind::kSpawnError;
  refused.error = absl::StrCat("not started: ", submitted.message());
  Complete(request, refused);
}

void Remediator::Complete(const ActionRequest& request,
                          const ActionOutcome& outcome) {
  in_flight_->End(request.key);
  RecordOutcome(request, outcome);
}

void Remediator::RecordOutcome(const ActionRequest& request,
                               const ActionOutcome& outcome) {
  // An outcome that cannot be audited is still counted: the action has run
  // regardless. The failure itself is reported to the observer.
  absl::Status audited = audit_->RecordOutcome(request, outcome, clock_->Now());
  if (observer_ == nullptr) return;
  if (!audited.ok()) observer_->OnAuditFailure(audited);
  observer_->OnOutcome(request, outcome);
}

}  // namespace autoheal
