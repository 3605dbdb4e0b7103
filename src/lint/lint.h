// `autoheal lint`, the CI policy guard: checks docker compose files,
// Alertmanager configurations and Prometheus rule files against the policy
// before they are deployed. See compose.h, alertmanager.h and rules.h for
// the checks, finding.h for the rule ids and output.h for the formats.
//
// Exit codes (LintResult::exit_code): 0 when no finding is an error
// (warnings and notices alone pass, unless `strict` makes warnings errors),
// 1 when one is, 2 when a file cannot be read or parsed (parse-error,
// *-invalid).
//
// Internal to the `autoheal` CLI (not installed). Thread safety: RunLint is
// reentrant; `files` must be safe to call from the calling thread.
//
//   lint::LintOptions options;
//   options.compose_paths = {"docker-compose.yml"};
//   options.rules_paths = {"prometheus-alerts.yml"};
//   lint::DiskFileReader files;
//   lint::LintResult result = lint::RunLint(options, files);
//   std::cout << lint::FormatFindings(result.findings, result.files_checked,
//                                     lint::OutputFormat::kText);
//   return result.exit_code;

#ifndef AUTOHEAL_LINT_LINT_H_
#define AUTOHEAL_LINT_LINT_H_

#include <string>
#include <vector>

#include "lint/file_reader.h"
#include "lint/finding.h"

namespace autoheal {
namespace lint {

struct LintOptions {
  // The policy file.
  // Default: empty, the embedded default policy (as `autoheal explain`).
  std::string policy_path;
  // The files to check, each read through the FileReader.
  // Default: none.
  std::vector<std::string> compose_paths;
  std::vector<std::string> alertmanager_paths;
  std::vector<std::string> rules_paths;
  // Further hosts a webhook URL may name (see AllowedHosts::allowed).
  // Default: none.
  std::vector<std::string> allow_hosts;
  // Turn warnings into errors.
  // Default: false.
  bool strict = false;
};

struct LintResult {
  // Sorted by file, line and column; without duplicates.
  std::vector<Finding> findings;
  // The files given (policy included when it is a file).
  int files_checked = 0;
  // 0, 1 or 2, as above.
  int exit_code = 0;
};

// Checks every file of `options`, reading them through `files` (not kept
// past the call). A file that cannot be read is a parse-error finding, not
// a failure of the call. Policy actions that no opted-in rule can trigger
// are reported only when rule files are given and all of them parse.
LintResult RunLint(const LintOptions& options, const FileReader& files);

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_LINT_H_
