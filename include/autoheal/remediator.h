// The remediator: decides every alert of a notification, audits each
// decision, and hands `execute` decisions to the executor.
//
// It is the glue a receiver needs around an `Engine`:
//   - every decision is recorded with the `AuditSink`;
//   - an `execute` decision is recorded (durably) before its action is
//     submitted, so no action ever runs without a record;
//   - the key is marked in the `InFlightRegistry` from submission until the
//     action ends, which the engine's in_flight gate reads;
//   - the action's outcome is audited and reported to the observer;
//   - when a decision newly escalates a key (the flap guard tripped) and the
//     policy is enabled and has an `escalation` command, that command is
//     submitted once, as an action named "escalation"; its outcome is
//     audited like an action's. It does not mark the key in flight.
// It never waits for an action.
//
// Thread safety: `Remediate()` may be called concurrently. The executor's
// completion callbacks refer to this object: shut the executor down (so no
// callback is pending) before destroying the remediator.
//
//   Remediator remediator(deps);
//   RemediationResult r = remediator.Remediate(*engine, message);
//   if (r.store_unavailable) return Http503();

#ifndef AUTOHEAL_REMEDIATOR_H_
#define AUTOHEAL_REMEDIATOR_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "autoheal/action_executor.h"
#include "autoheal/alert.h"
#include "autoheal/audit_sink.h"
#include "autoheal/clock.h"
#include "autoheal/decision.h"
#include "autoheal/engine.h"
#include "autoheal/in_flight.h"

namespace autoheal {

// Receives every decision and outcome, e.g. to count them in metrics.
// Called without locks held, on the deciding thread (decisions) or an
// executor thread (outcomes). Implementations must be thread-safe.
class RemediationObserver {
 public:
  virtual ~RemediationObserver() = default;
  virtual void OnDecision(const Alert& alert, const Decision& decision) = 0;
  virtual void OnOutcome(const ActionRequest& request,
                         const ActionOutcome& outcome) = 0;
  // Called once for every audit record the `AuditSink` refused, with its
  // error: a notification's decisions (one call per notification, however
  // many decisions it held; none of its actions then runs, and
  // `RemediationResult::audit_error` is set when one was to execute), or an
  // action's outcome (the action has run; it is still reported to
  // `OnOutcome()`). Called on the deciding thread or an executor thread,
  // like the others. A receiver may call it for records it writes itself
  // (an operator's state clear). The default does nothing, so observers
  // that predate it keep compiling.
  virtual void OnAuditFailure(const absl::Status& /*status*/) {}
};

// What the remediator uses. Every pointer must outlive the remediator.
struct RemediatorDeps {
  ActionExecutor* executor = nullptr;      // required
  AuditSink* audit = nullptr;              // required
  InFlightRegistry* in_flight = nullptr;   // required; give it to the engine
  Clock* clock = nullptr;                  // default: RealClock()
  RemediationObserver* observer = nullptr; // optional
};

struct RemediationResult {
  // One per alert, in order. Borrows from the message and the engine.
  std::vector<Decision> decisions;
  // True when any decision failed closed on the state store: the receiver
  // answers 503 so that Alertmanager delivers again.
  bool store_unavailable = false;
  // Not OK when an `execute` decision could not be audited and so was not
  // run (the first such error). The receiver answers 503: the audit is
  // state, and nothing may run without its record.
  absl::Status audit_error;
  // Not OK when the executor refused an action (queue full, shutting down);
  // the first such error. The refusal is also audited and reported to the
  // observer as a `spawn_error` outcome.
  absl::Status submit_error;
};

// The action name under which escalation commands run and are audited.
inline constexpr absl::string_view kEscalationActionName = "escalation";

class Remediator {
 public:
  explicit Remediator(RemediatorDeps deps);
  Remediator(const Remediator&) = delete;
  Remediator& operator=(const Remediator&) = delete;

  // Decides each alert of `message` with `engine`, audits each decision and
  // submits the actions to run. Returns without waiting for any action.
  RemediationResult Remediate(Engine& engine, const WebhookMessage& message);

  // Returns the number of actions submitted and not yet ended.
  size_t InFlight() const { return in_flight_->size(); }

 private:
  // Submits an execute decision's action, unless its audit failed.
  void Dispatch(const Alert& alert, const Decision& decision,
                const absl::Status& audited, RemediationResult& result);
  // Submits the policy's escalation command for a newly escalated key.
  void Escalate(const EngineOptions& options, const Alert& alert,
                const Decision& decision, RemediationResult& result);
  void Complete(const ActionRequest& request, const ActionOutcome& outcome);
  void RecordOutcome(const ActionRequest& request,
                     const ActionOutcome& outcome);

  ActionExecutor* const executor_;
  AuditSink* const audit_;
  InFlightRegistry* const in_flight_;
  Clock* const clock_;
  RemediationObserver* const observer_;
};

}  // namespace autoheal

#endif  // AUTOHEAL_REMEDIATOR_H_
