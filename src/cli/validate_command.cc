#include "cli/validate_command.h"

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "autoheal/options.h"
#include "autoheal/yaml_policy.h"

namespace autoheal {
namespace cli {
namespace {

class ValidateCommand final : public Command {
 public:
  explicit ValidateCommand(const CLI::App* subcommand) : Command(subcommand) {}

  int Run(const CommandContext& context) override {
    return RunValidate(path, *context.out);
  }

  std::string path;
};

}  // namespace

int RunValidate(const std::string& path, std::ostream& out) {
  absl::StatusOr<EngineOptions> options = LoadPolicyFile(path);
  if (!options.ok()) {
    out << options.status().message() << "\n";
    return kValidateInvalid;
  }
  out << "OK: " << path << ": " << options->actions.size() << " action(s), "
      << (options->enabled ? "enabled" : "dry-run") << "\n";
  return kValidateOk;
}

std::unique_ptr<Command> AddValidateCommand(CLI::App& app) {
  CLI::App* validate = app.add_subcommand(
      "validate", "check a policy file: OK, or the error with its line and "
                  "column");
  auto command = std::make_unique<ValidateCommand>(validate);
  validate->footer("Exit codes: 0 valid, 1 invalid, 2 a usage error.");
  validate->add_option("POLICY", command->path, "YAML policy file")
      ->required();
  return command;
}

}  // namespace cli
}  // namespace autoheal
