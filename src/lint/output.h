// `autoheal lint`'s output formats.
//
// text:   one line per finding, then a summary line:
//           compose.yml:7:25: error: service "api" sets ... [compose-autoheal-enabled]
//           autoheal lint: 1 error, 0 warnings, 0 notices in 3 files
//         (":col" is left out when unknown, ":line:col" too).
// json:   one object:
//           {"findings": [{"file": "compose.yml", "line": 7, "column": 25,
//                          "severity": "error",
//                          "rule": "compose-autoheal-enabled",
//                          "message": "...", "parse_error": false}],
//            "summary": {"errors": 1, "warnings": 0, "notices": 0,
//                        "files": 3},
//            "exit_code": 1}
//         line and column are null when unknown.
// github: GitHub Actions workflow commands, one per finding, then the
//         summary line:
//           ::error file=compose.yml,line=7,col=25,title=compose-autoheal-enabled::service ...
//         Values are escaped as GitHub's toolkit does: %, \r and \n in the
//         message; also : and , in properties.
//
// Internal to the `autoheal` CLI (not installed). Thread safety: pure
// functions.

#ifndef AUTOHEAL_LINT_OUTPUT_H_
#define AUTOHEAL_LINT_OUTPUT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lint/finding.h"

namespace autoheal {
namespace lint {

enum class OutputFormat { kText, kJson, kGithub };

// Parses "text", "json" or "github"; nullopt otherwise.
std::optional<OutputFormat> ParseOutputFormat(absl::string_view name);

// Renders `findings` and the summary in `format`; `files_checked` is only
// reported. Ends with a newline.
std::string FormatFindings(const std::vector<Finding>& findings,
                           int files_checked, OutputFormat format);

// Returns e.g. "2 errors, 1 warning, 0 notices in 3 files".
std::string SummaryText(const std::vector<Finding>& findings,
                        int files_checked);

// Escapes a workflow command's message: % as %25, \r as %0D, \n as %0A.
std::string GithubEscapeData(absl::string_view text);

// Escapes a workflow command's property value: as the message, plus : as
// %3A and , as %2C.
std::string GithubEscapeProperty(absl::string_view text);

}  // namespace lint
}  // namespace autoheal

#endif  // AUTOHEAL_LINT_OUTPUT_H_
