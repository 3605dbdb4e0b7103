#include "lint/lint.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "autoheal/yaml_policy.h"
#include "lint/alertmanager.h"
#include "lint/compose.h"
#include "lint/policy.h"
#include "lint/rules.h"

namespace autoheal {
namespace lint {
namespace {

constexpr absl::string_view kEmbeddedPolicyName = "<embedded default policy>";

void Append(std::vector<Finding> from, std::vector<Finding>* to) {
  for (Finding& finding : from) to->push_back(std::move(finding));
}

bool HasParseError(const std::vector<Finding>& findings) {
  for (const Finding& finding : findings) {
    if (finding.parse_error) return true;
  }
  return false;
}

// Reads a file given on the command line; reports it when it cannot be read.
std::optional<std::string> ReadInput(const std::string& path,
                                     const FileReader& files,
                                     std::vector<Finding>* findings) {
  absl::StatusOr<std::string> text = files.Read(path);
  if (text.ok() && text->size() <= kMaxFileBytes) return *std::move(text);
  std::string message;
  if (text.ok()) {
    message = absl::StrCat("too large (", text->size(), " bytes; at most ",
                           kMaxFileBytes, ")");
  } else {
    absl::string_view why = text.status().message();
    absl::ConsumePrefix(&why, absl::StrCat(path, ": "));
    message = std::string(why);
  }
  findings->push_back(ParseErrorFinding(path, 0, 0, std::move(message)));
  return std::nullopt;
}

std::optional<LintPolicy> LoadPolicy(const LintOptions& options,
                                     const FileReader& files,
                                     std::vector<Finding>* findings) {
  if (options.policy_path.empty()) {
    return LoadLintPolicy(EmbeddedDefaultPolicy(),
                          std::string(kEmbeddedPolicyName), findings);
  }
  std::optional<std::string> text =
      ReadInput(options.policy_path, files, findings);
  if (!text.has_value()) return std::nullopt;
  return LoadLintPolicy(*text, options.policy_path, findings);
}

}  // namespace

LintResult RunLint(const LintOptions& options, const FileReader& files) {
  LintResult result;
  std::vector<Finding>& findings = result.findings;
  std::optional<LintPolicy> policy = LoadPolicy(options, files, &findings);

  AllowedHosts hosts;
  hosts.allowed = options.allow_hosts;
  for (const std::string& path : options.compose_paths) {
    std::optional<std::string> text = ReadInput(path, files, &findings);
    if (!text.has_value()) continue;
    ComposeReport report = LintCompose(*text, path, files);
    Append(std::move(report.findings), &findings);
    for (std::string& host : report.hosts) {
      hosts.compose_services.push_back(std::move(host));
    }
  }
  for (const std::string& path : options.alertmanager_paths) {
    std::optional<std::string> text = ReadInput(path, files, &findings);
    if (!text.has_value()) continue;
    Append(LintAlertmanager(*text, path, hosts), &findings);
  }
  absl::flat_hash_set<std::string> opted_in;
  bool rules_complete = true;
  for (const std::string& path : options.rules_paths) {
    std::optional<std::string> text = ReadInput(path, files, &findings);
    if (!text.has_value()) {
      rules_complete = false;
      continue;
    }
    RulesReport report =
        LintRules(*text, path, policy.has_value() ? &policy->options : nullptr);
    rules_complete = rules_complete && !HasParseError(report.findings);
    opted_in.insert(report.opted_in_alertnames.begin(),
                    report.opted_in_alertnames.end());
    Append(std::move(report.findings), &findings);
  }
  if (policy.has_value() && !options.rules_paths.empty() && rules_complete) {
    Append(UnusedActions(*policy, opted_in), &findings);
  }

  SortAndDeduplicate(&findings);
  if (options.strict) PromoteWarnings(&findings);
  result.files_checked = static_cast<int>(
      options.compose_paths.size() + options.alertmanager_paths.size() +
      options.rules_paths.size() + (options.policy_path.empty() ? 0 : 1));
  result.exit_code = ExitCode(findings);
  return result;
}

}  // namespace lint
}  // namespace autoheal
