// What the engine decided for one alert, and why.
//
// A declined action is a value, not an error: every alert gets a `Decision`
// with a verdict, a stable reason code, the cooldown key, the time left and
// the action. `Sentence()` renders the human explanation on demand, so that
// deciding itself never allocates on the skip paths.
//
// Lifetime: a Decision borrows. `alertname`, `opt_in_actual` and `problem`
// point into the `Alert` it was decided for; `action`, `opt_in_annotation`,
// `opt_in_value` and the `target_*` views point into the `Engine` that made it;
// a `CooldownKey` may point into that Engine too. Use a Decision only while
// both live.
//
// Thread safety: plain values.

#ifndef AUTOHEAL_DECISION_H_
#define AUTOHEAL_DECISION_H_

#include <cstddef>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/cooldown_key.h"
#include "autoheal/options.h"

namespace autoheal {

enum class Verdict {
  kExecute,  // run the action now
  kDryRun,   // every gate passed, but the global switch is off
  kSkip,     // a gate said no; `Decision::reason` says which
};

// The reason codes of the decision contract, in gate order. The names
// returned by `ReasonName()` are stable: they appear in HTTP responses,
// metrics and audit lines, so they never change once released. The numeric
// values are not: code that indexes by reason sizes its arrays with
// `kReasonCount` and never stores or sends a number.
enum class Reason {
  kInvalidAlert,      // the alert is malformed (`Alert::problem`)
  kResolved,          // the alert's own status is resolved
  kNotOptedIn,        // the opt-in annotation is missing or not exact
  kNotAllowlisted,    // no action for this alertname
  kInvalidTarget,     // a label the action needs is missing or malformed
  kEscalated,         // the flap guard is open: a human is needed
  kInFlight,          // this key's action is still running
  kCoolingDown,       // this key acted less than its cooldown ago
  kBudgetExhausted,   // a global or per-action budget is spent
  kStoreUnavailable,  // the state store gave no answer: fail closed
  kExecute,           // all gates passed, enabled
  kDryRun,            // all gates passed, disabled (stays last)
};

// How many reasons there are: every `static_cast<size_t>(reason)` is below
// it, so an array indexed by reason can be sized with it.
inline constexpr size_t kReasonCount = static_cast<size_t>(Reason::kDryRun) + 1;

// Returns the stable snake_case name: "execute", "dry_run", "skip".
absl::string_view VerdictName(Verdict verdict);
// Returns the stable snake_case name, e.g. "not_opted_in".
absl::string_view ReasonName(Reason reason);

std::ostream& operator<<(std::ostream& os, Verdict verdict);
std::ostream& operator<<(std::ostream& os, Reason reason);

struct Decision {
  Verdict verdict = Verdict::kSkip;
  Reason reason = Reason::kResolved;

  // The cooldown key. Empty when the decision stopped before the allowlist
  // gate found an action.
  CooldownKey key;

  // For `kCoolingDown`: how long until the key may act again. For
  // `kBudgetExhausted`: until the spent budget frees a slot. For
  // `kEscalated`: how long the key must stay quiet for the latch to open by
  // itself. Zero otherwise.
  absl::Duration time_left = absl::ZeroDuration();

  // For `kEscalated`: true when this decision latched the key (the flap
  // guard tripped now; the escalation command runs once, for this one).
  bool newly_escalated = false;

  // For `kBudgetExhausted`: which budget is spent, "global" or "action", and
  // its limit and window.
  absl::string_view budget_scope;
  int budget_limit = 0;
  absl::Duration budget_window = absl::ZeroDuration();

  // For `kEscalated`: the flap guard's limit and window.
  int flap_limit = 0;
  absl::Duration flap_window = absl::ZeroDuration();

  // The configured action, or nullptr when none was found (gates 0-3).
  const Action* action = nullptr;

  // For `kStoreUnavailable`: the store's error. OK otherwise.
  absl::Status store_error;

  // Borrowed context for `Sentence()`.
  absl::string_view alertname;
  // For `kInvalidAlert`: the alert's `problem`, "<JSON path>: <what>".
  absl::string_view problem;
  absl::string_view opt_in_annotation;
  absl::string_view opt_in_value;
  // The alert's value of the opt-in annotation; data() is null when absent.
  absl::string_view opt_in_actual;
  // For `kInvalidTarget`: the templated label at fault and what is wrong
  // with it ("is missing", "does not match its pattern", ...).
  absl::string_view target_label;
  absl::string_view target_problem;

  // Returns true for `kExecute` and `kDryRun`.
  bool passed() const { return verdict != Verdict::kSkip; }

  // Returns one human sentence explaining the decision, e.g.
  // "annotation autoheal is \"TRUE\", but only the exact value \"true\" opts
  // in". Allocates; call it when presenting, not when deciding.
  std::string Sentence() const;
};

}  // namespace autoheal

#endif  // AUTOHEAL_DECISION_H_
