#include "cli/app.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/backtest_command.h"
#include "cli/command.h"
#include "cli/doctor_command.h"
#include "cli/explain_command.h"
#include "cli/lint_command.h"
#include "cli/state_command.h"
#include "cli/validate_command.h"
#include "absl/strings/str_join.h"
#include "flags/flags.h"

namespace autoheal {
namespace cli {

int RunCli(int argc, const char* const* argv, std::istream& in,
           std::ostream& out, std::ostream& err, const CliDeps& deps) {
  CLI::App app(
      "Explains why Alertmanager alerts would or would not be remediated, "
      "checks a policy, lists and clears escalations in the receiver's "
      "state, checks monitoring configuration against the policy, and runs "
      "the troubleshooting checklist against the live stack.",
      "autoheal");
  flags::ConfigureApp(app);
  app.require_subcommand(0, 1);

  // One line per subcommand, in the order --help lists them.
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(AddExplainCommand(app));
  commands.push_back(AddValidateCommand(app));
  commands.push_back(AddStateCommand(app));
  commands.push_back(AddLintCommand(app));
  commands.push_back(AddBacktestCommand(app));
  commands.push_back(AddDoctorCommand(app));

  if (std::optional<int> exit = flags::Parse(app, argc, argv, out, err)) {
    return *exit;
  }
  const CommandContext context{&in, &out, &err, &deps};
  for (const std::unique_ptr<Command>& command : commands) {
    if (command->Parsed()) return command->Run(context);
  }
  err << "autoheal: a subcommand is required: "
      << absl::StrJoin(app.get_subcommands({}), ", ",
                       [](std::string* line, const CLI::App* sub) {
                         line->append(sub->get_name());
                       })
      << "\nRun 'autoheal --help' for usage.\n";
  return flags::kUsageError;
}

}  // namespace cli
}  // namespace autoheal
