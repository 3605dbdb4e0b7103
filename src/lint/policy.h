// The policy as `autoheal lint` needs it: the loaded options plus where
// each action is written, so that findings about an action point at its
// line.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: pure
// functions.

#ifndef AUTOHEAL_LINT_POLICY_H_
#define AUTOHEAL_LINT_POLICY_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "autoheal/options.h"
#include "lint/finding.h"
#include "lint/yaml_walk.h"

namespace autoheal {
namespace lint {

struct LintPolicy {
  EngineOptions options;
  // The name findings use for the policy file.
  std::string file;
  // Where each action's alertname key is written, by alertname.
  std::map<std::string, Position> action_positions;
};

// Loads policy `text` with the policy loader ("autoheal/yaml_policy.h").
// On failure appends a policy-invalid finding (a parse error) carrying the
// loader's line, column and message, and returns nullopt. Never throws.
std::optional<LintPolicy> LoadLintPolicy(absl::string_view text,
                                         const std::string& file,
                                         std::vector<Finding>* findings);

// Returns a policy-unused-action warning, at the action's line, for each
// action whose alertname is not in `opted_in_alertnames`: the alertnames of
// the rules that opt in.
std::vector<Finding> UnusedActions(
    const LintPolicy& policy,
    const absl::flat_hash_set<std::string>& opted_in_alertnames);

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_POLICY_H_
