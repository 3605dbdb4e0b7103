// `autoheal lint`: its flags (AddLintCommand(), see "cli/command.h"); runs
// the CI policy guard (see "lint/lint.h") with them and prints the
// findings.
//
//   autoheal lint [--policy FILE] [--compose F]... [--alertmanager F]...
//                 [--rules F]... [--allow-host H]... [--strict]
//                 [--format text|json|github]
//
// Thread safety: reentrant.

#ifndef AUTOHEAL_CLI_LINT_COMMAND_H_
#define AUTOHEAL_CLI_LINT_COMMAND_H_

#include <memory>
#include <ostream>

#include "cli/command.h"
#include "lint/file_reader.h"
#include "lint/lint.h"
#include "lint/output.h"

namespace autoheal {
namespace cli {

struct LintArgs {
  // The files to check (at least one), the policy, --allow-host, --strict.
  lint::LintOptions options;
  // Default: text.
  lint::OutputFormat format = lint::OutputFormat::kText;
};

// Runs `autoheal lint` with `args`, reading files through `files`, and
// writes the findings to `out`. Returns the exit code: 0 clean, 1 findings
// at error level, 2 files that cannot be read or parsed.
int RunLintCommand(const LintArgs& args, const lint::FileReader& files,
                   std::ostream& out);

// Registers `autoheal lint` on `app`; the returned command runs
// RunLintCommand() with the parsed flags, reading through the context's
// `files` (the disk when null). Giving no file to check is a usage error.
// `app` must outlive the command.
std::unique_ptr<Command> AddLintCommand(CLI::App& app);

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_LINT_COMMAND_H_
