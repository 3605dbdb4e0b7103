#include "core/decision_json.h"

#include "absl/time/time.h"

namespace autoheal {
namespace internal {

void WriteDecisionMembers(const Alert& alert, const Decision& d,
                          JsonWriter& w) {
  w.Key("fingerprint").String(alert.fingerprint);
  w.Key("alertname").String(d.alertname);
  w.Key("status");
  if (d.reason == Reason::kInvalidAlert) {
    w.Null();
  } else {
    w.String(AlertStatusName(alert.status));
  }
  w.Key("verdict").String(VerdictName(d.verdict));
  w.Key("reason").String(ReasonName(d.reason));
  w.Key("sentence").String(d.Sentence());
  w.Key("key").String(d.key.view());
  w.Key("seconds_left").Double(absl::ToDoubleSeconds(d.time_left));
  w.Key("action");
  if (d.action != nullptr) {
    w.String(d.action->name);
  } else {
    w.Null();
  }
  if (d.reason == Reason::kEscalated) {
    // "new" marks the one decision that latched the key.
    w.Key("escalation").String(d.newly_escalated ? "new" : "latched");
  } else if (d.reason == Reason::kBudgetExhausted) {
    w.Key("budget").String(d.budget_scope);
  } else if (d.reason == Reason::kInvalidAlert) {
    w.Key("problem").String(d.problem);
  }
}

}  // namespace internal
}  // namespace autoheal
