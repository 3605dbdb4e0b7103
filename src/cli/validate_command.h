// `autoheal validate POLICY`: loads a policy file as the receiver would and
// says whether it is valid.
//
//   $ autoheal validate examples/policy/autoheal.yml
//   OK: examples/policy/autoheal.yml: 3 action(s), dry-run
//
// Thread safety: reentrant.

#ifndef AUTOHEAL_CLI_VALIDATE_COMMAND_H_
#define AUTOHEAL_CLI_VALIDATE_COMMAND_H_

#include <memory>
#include <ostream>
#include <string>

#include "cli/command.h"

namespace autoheal {
namespace cli {

// Exit codes of `autoheal validate` (2 is a usage error, from the parser).
inline constexpr int kValidateOk = 0;
inline constexpr int kValidateInvalid = 1;

// Loads the policy file `path` and prints "OK: PATH: N action(s),
// enabled|dry-run" to `out`, or the error with its line and column.
// Returns kValidateOk or kValidateInvalid.
int RunValidate(const std::string& path, std::ostream& out);

// Registers `autoheal validate POLICY` on `app`; the returned command runs
// RunValidate(). `app` must outlive the command.
std::unique_ptr<Command> AddValidateCommand(CLI::App& app);

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_VALIDATE_COMMAND_H_
