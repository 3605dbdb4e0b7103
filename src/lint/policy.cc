#include "lint/policy.h"

#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "autoheal/yaml_policy.h"

namespace autoheal {
namespace lint {
namespace {

// Turns a loader error "<file>:<line>:<col>: <message>" (or "<file>:
// <message>" for errors without a position) into a finding.
Finding FindingFromLoaderError(absl::string_view message,
                               const std::string& file) {
  Finding finding;
  finding.rule = std::string(rule::kPolicyInvalid);
  finding.severity = Severity::kError;
  finding.file = file;
  finding.parse_error = true;
  absl::string_view rest = message;
  if (absl::ConsumePrefix(&rest, file) && absl::ConsumePrefix(&rest, ":")) {
    std::vector<absl::string_view> parts =
        absl::StrSplit(rest, absl::MaxSplits(':', 2));
    int line = 0;
    int column = 0;
    if (parts.size() == 3 && absl::SimpleAtoi(parts[0], &line) &&
        absl::SimpleAtoi(parts[1], &column)) {
      finding.line = line;
      finding.column = column;
      rest = parts[2];
    }
    message = absl::StripLeadingAsciiWhitespace(rest);
  }
  finding.message = std::string(message);
  return finding;
}

}  // namespace

std::optional<LintPolicy> LoadLintPolicy(absl::string_view text,
                                         const std::string& file,
                                         std::vector<Finding>* findings) {
  PolicyPositions positions;
  absl::StatusOr<EngineOptions> options = ParsePolicy(text, file, &positions);
  if (!options.ok()) {
    findings->push_back(FindingFromLoaderError(options.status().message(), file));
    return std::nullopt;
  }
  LintPolicy policy;
  policy.options = *std::move(options);
  policy.file = file;
  // The loader's positions: the policy is parsed once.
  for (const Action& action : policy.options.actions) {
    auto at = positions.find({"actions", action.alertname});
    if (at == positions.end()) continue;
    policy.action_positions.emplace(
        action.alertname, Position{at->second.line, at->second.column});
  }
  return policy;
}

std::vector<Finding> UnusedActions(
    const LintPolicy& policy,
    const absl::flat_hash_set<std::string>& opted_in_alertnames) {
  std::vector<Finding> findings;
  for (const Action& action : policy.options.actions) {
    if (opted_in_alertnames.contains(action.alertname)) continue;
    Finding finding;
    finding.rule = std::string(rule::kPolicyUnusedAction);
    finding.severity = Severity::kWarning;
    finding.file = policy.file;
    auto position = policy.action_positions.find(action.alertname);
    if (position != policy.action_positions.end()) {
      finding.line = position->second.line;
      finding.column = position->second.column;
    }
    finding.message = absl::StrCat(
        "action ", QuoteText(action.name), " for alertname ",
        QuoteText(action.alertname),
        " can never run: no rule in the given rule files with that alertname "
        "opts in with ",
        policy.options.opt_in_annotation, ": ",
        QuoteText(policy.options.opt_in_value));
    findings.push_back(std::move(finding));
  }
  return findings;
}

}  // namespace lint
}  // namespace autoheal
