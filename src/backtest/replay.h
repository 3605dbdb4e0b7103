// `autoheal backtest`'s replay: the deliveries, in time order, through the
// real `Engine` with a `FakeClock` and an `InMemoryCooldownStore`, as if the
// policy were enabled. Nothing is executed; the engine only decides, so
// every gate (opt-in, allowlist, target, flap guard, cooldown, budgets) is
// the receiver's own.
//
// Annotations come from the rule files, because `ALERTS` carries labels
// only: an alertname's opt-in is read from the rule whose `alert:` it is.
// When it is templated ("{{ ... }}"), or the rules of one alertname
// disagree, it is unknown, and when no rule has the alertname it has no
// rule: either way its alerts are not decided (not guessed) and the report
// says so.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: pure
// functions.

#ifndef AUTOHEAL_BACKTEST_REPLAY_H_
#define AUTOHEAL_BACKTEST_REPLAY_H_

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "autoheal/alert.h"
#include "autoheal/decision.h"
#include "autoheal/options.h"
#include "backtest/deliveries.h"
#include "backtest/history.h"
#include "lint/rules.h"

namespace autoheal {
namespace backtest {

enum class OptInState {
  kOptedIn,     // the rule's opt-in annotation is exactly the opt-in value
  kNotOptedIn,  // absent, or another literal value
  kUnknown,     // templated, or rules of this alertname disagree
  kNoRule,      // no rule in the given files has this alertname
};

// Returns "opted_in", "not_opted_in", "unknown", "no_rule".
absl::string_view OptInStateName(OptInState state);

// What the rule files say about one alertname.
struct RuleInfo {
  OptInState state = OptInState::kNoRule;
  // The annotations the engine sees (those of the first rule, as written).
  LabelSet annotations;
  // Why, for kUnknown: e.g. "annotation autoheal is templated: {{ ... }}".
  std::string why;
};

// Returns what `rules` say about each alertname they define, using the
// policy's opt-in annotation and value.
std::map<std::string, RuleInfo> ClassifyRules(
    const std::vector<lint::AlertRuleAnnotations>& rules,
    const EngineOptions& policy);

// One decision of the replay, owned.
struct DecisionRecord {
  absl::Time time;
  size_t alert = 0;  // index into the histories
  Verdict verdict = Verdict::kSkip;
  Reason reason = Reason::kResolved;
  std::string key;     // the cooldown key; empty before the allowlist gate
  std::string action;  // the action's name; empty when none
  absl::Duration time_left;
  std::string budget_scope;  // for kBudgetExhausted: "global" or "action"
  bool newly_escalated = false;
  std::string sentence;  // Decision::Sentence()
};

struct ReplayResult {
  std::vector<DecisionRecord> decisions;  // in time order
  // Alerts in deliveries that were not decided, by alertname (its opt-in is
  // unknown or it has no rule).
  std::map<std::string, size_t> undecided;
};

// Decides every delivery in order through a real Engine built from
// `policy` with `enabled` forced on, a FakeClock set to each delivery's time
// and a fresh InMemoryCooldownStore. `rules` gives each alertname's
// annotations. Returns kInvalidArgument when the policy does not validate.
absl::StatusOr<ReplayResult> Replay(const EngineOptions& policy,
                                    const std::vector<AlertHistory>& histories,
                                    const std::vector<Delivery>& deliveries,
                                    const std::map<std::string, RuleInfo>& rules);

}  // namespace backtest
}  // namespace autoheal

#endif  // AUTOHEAL_BACKTEST_REPLAY_H_
