// `autoheal lint --rules`: Prometheus alerting rules that opt in to autoheal
// must be remediable, documented and debounced.
//
// For each alerting rule of `groups[].rules[]` (or a PrometheusRule's
// `spec.groups`), with the policy's opt-in annotation and value (default
// autoheal: "true"):
//   - opted in without an action for its alertname: rules-missing-action,
//     an error;
//   - opted in without a runbook_url annotation: rules-missing-runbook, a
//     warning (an error under --strict);
//   - opted in without `for:` (or with a zero one): rules-missing-for, a
//     warning;
//   - an almost-right opt-in ("TRUE", " true", "yes", or an annotation
//     named "Autoheal"), which silently does not opt in:
//     rules-opt-in-near-miss, a warning;
//   - the opt-in set as a label only: rules-opt-in-label-only, a warning.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: pure
// functions.

#ifndef AUTOHEAL_LINT_RULES_H_
#define AUTOHEAL_LINT_RULES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "autoheal/options.h"
#include "lint/finding.h"

namespace autoheal {
namespace lint {

// One alerting rule as written: its alertname and annotations (values
// unrendered, templates included), for tools that need the annotations
// `ALERTS` does not carry (`autoheal backtest`).
struct AlertRuleAnnotations {
  std::string alertname;
  int line = 0;  // of the `alert:` value; 0 when unknown
  std::vector<std::pair<std::string, std::string>> annotations;
};

struct RulesReport {
  // Every alerting rule lint could read, in file order.
  std::vector<AlertRuleAnnotations> alert_rules;
  // Sorted by line and column.
  std::vector<Finding> findings;
  // The alertnames of the rules that opt in (exactly).
  absl::flat_hash_set<std::string> opted_in_alertnames;
};

// Lints Prometheus rule file `text`; `path` labels the findings. `policy`
// gives the opt-in annotation and the actions; when null (the policy did not
// load) the default opt-in is used and rules-missing-action is not checked.
// `policy` is not kept past the call. Never throws; malformed input yields
// parse-error or rules-invalid findings naming the key path.
RulesReport LintRules(absl::string_view text, const std::string& path,
                      const EngineOptions* policy);

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_RULES_H_
