// `autoheal lint`'s command line: its own argument parser, because its
// file flags repeat (`--compose a.yml --compose b.yml`), which Abseil's
// flags do not support (a repeated flag keeps only its last value).
//
//   autoheal lint [--policy FILE] [--compose F]... [--alertmanager F]...
//                 [--rules F]... [--allow-host H]... [--strict]
//                 [--format text|json|github]
//
// Flags take their value as `--flag value` or `--flag=value`; a single dash
// works too, as with Abseil. A file name is never split at commas.
//
// Thread safety: reentrant.

#ifndef AUTOHEAL_CLI_LINT_COMMAND_H_
#define AUTOHEAL_CLI_LINT_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "lint/file_reader.h"
#include "lint/lint.h"
#include "lint/output.h"

namespace autoheal {
namespace cli {

// The usage text, ending with a newline.
extern const char kLintUsage[];

struct LintArgs {
  lint::LintOptions options;
  // Default: text.
  lint::OutputFormat format = lint::OutputFormat::kText;
  // --help or -h was given.
  bool help = false;
};

// Parses the arguments that follow `lint`. Returns kInvalidArgument naming
// the problem: an unknown flag, a missing or empty value, a bad --format or
// --strict value, a positional argument, or no file to check.
absl::StatusOr<LintArgs> ParseLintArgs(const std::vector<std::string>& args);

// Runs `autoheal lint` with the arguments that follow `lint`, reading files
// through `files`. Writes the findings to `out` and usage errors to `err`.
// Returns the exit code: 0 clean, 1 findings at error level, 2 usage or
// parse errors.
int RunLintCommand(const std::vector<std::string>& args,
                   const lint::FileReader& files, std::ostream& out,
                   std::ostream& err);

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_LINT_COMMAND_H_
