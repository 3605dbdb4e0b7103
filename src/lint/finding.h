// `autoheal lint`'s findings: what is wrong, where, how bad, under a stable
// rule id that CI configurations and suppressions can rely on.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: plain values
// and pure functions.

#ifndef AUTOHEAL_LINT_FINDING_H_
#define AUTOHEAL_LINT_FINDING_H_

#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "core/utf8.h"

namespace autoheal {
namespace lint {

// The stable rule ids. Each names one check; see README.md ("autoheal lint").
namespace rule {
// The file cannot be read or is not valid YAML (or a valid env file).
inline constexpr absl::string_view kParseError = "parse-error";
// A value has the wrong type where lint must look (a list where a mapping
// belongs, a duplicate key, ...): the tool that reads the file would reject
// it, and lint cannot check that part.
inline constexpr absl::string_view kComposeInvalid = "compose-invalid";
inline constexpr absl::string_view kAlertmanagerInvalid = "alertmanager-invalid";
inline constexpr absl::string_view kRulesInvalid = "rules-invalid";
inline constexpr absl::string_view kPolicyInvalid = "policy-invalid";
// A compose service's environment turns AUTOHEAL_ENABLED on.
inline constexpr absl::string_view kComposeAutohealEnabled =
    "compose-autoheal-enabled";
// AUTOHEAL_ENABLED holds a value that is neither clearly on nor off.
inline constexpr absl::string_view kComposeAutohealEnabledUnknown =
    "compose-autoheal-enabled-unknown";
// An env_file that does not exist, so it was not checked.
inline constexpr absl::string_view kComposeEnvFileMissing =
    "compose-env-file-missing";
// A webhook URL whose host is neither loopback, nor a compose service, nor
// allowed with --allow-host.
inline constexpr absl::string_view kAlertmanagerExternalUrl =
    "alertmanager-external-url";
// A webhook URL read from a file (url_file), which lint does not follow.
inline constexpr absl::string_view kAlertmanagerUrlFile =
    "alertmanager-url-file";
// An opted-in rule whose alertname has no action in the policy.
inline constexpr absl::string_view kRulesMissingAction = "rules-missing-action";
// An opted-in rule without a runbook_url annotation.
inline constexpr absl::string_view kRulesMissingRunbook =
    "rules-missing-runbook";
// An opted-in rule without `for:` (it fires, and acts, on one evaluation).
inline constexpr absl::string_view kRulesMissingFor = "rules-missing-for";
// An opt-in annotation that is almost right ("TRUE", " true", Autoheal) and
// therefore silently does not opt in.
inline constexpr absl::string_view kRulesOptInNearMiss = "rules-opt-in-near-miss";
// The opt-in set as a label but not as an annotation: it does not opt in.
inline constexpr absl::string_view kRulesOptInLabelOnly =
    "rules-opt-in-label-only";
// A policy action that no opted-in rule of the given rule files can trigger.
inline constexpr absl::string_view kPolicyUnusedAction = "policy-unused-action";
}  // namespace rule

// How bad a finding is. Errors fail the run (exit 1); warnings fail it only
// under --strict, which turns them into errors; notices never do.
enum class Severity { kNotice, kWarning, kError };

// Returns "notice", "warning" or "error".
absl::string_view SeverityName(Severity severity);

struct Finding {
  // One of the ids in `rule`.
  std::string rule;
  Severity severity = Severity::kError;
  // The file as the user named it (or as joined for an env_file).
  std::string file;
  // 1-based; 0 when unknown (a file that cannot be read at all).
  int line = 0;
  // 1-based; 0 when unknown.
  int column = 0;
  // One line, no trailing period; user text in it is quoted and escaped.
  std::string message;
  // True when (part of) the file could not be read as its format, so lint
  // could not check it: parse-error and the *-invalid rules. Any such
  // finding makes the run exit 2.
  bool parse_error = false;
};

// Returns a parse-error finding (rule::kParseError, exit code 2) in `file`
// at 1-based `line` and `column` (0 when unknown).
Finding ParseErrorFinding(std::string file, int line, int column,
                          std::string message);

// Runs `lint`, which appends to `*findings`, then sorts them
// (SortAndDeduplicate). An exception `lint` throws becomes one more
// parse-error finding in `file`: "cannot read: <what>", escaped.
void LintGuarded(const std::string& file, std::vector<Finding>* findings,
                 absl::FunctionRef<void()> lint);

// Orders findings by file (files in order of first appearance), then line
// and column, and drops exact duplicates (an anchor merged into several
// places reports its own problems once).
void SortAndDeduplicate(std::vector<Finding>* findings);

// Turns every warning into an error (--strict). Notices stay notices.
void PromoteWarnings(std::vector<Finding>* findings);

// Returns 2 when any finding is a parse error, else 1 when any is an error,
// else 0.
int ExitCode(const std::vector<Finding>& findings);

// Counts of findings by severity.
struct FindingCounts {
  int errors = 0;
  int warnings = 0;
  int notices = 0;
};
FindingCounts CountFindings(const std::vector<Finding>& findings);

// Untrusted text in messages is quoted with QuoteText() and EscapeText():
// C-escaped, UTF-8 kept, always valid UTF-8 ("core/utf8.h").
using internal::EscapeText;
using internal::QuoteText;

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_FINDING_H_
