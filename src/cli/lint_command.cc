#include "cli/lint_command.h"

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "flags/flags.h"

namespace autoheal {
namespace cli {
namespace {

// A CLI11 check that a file name is not empty ("--rules=").
CLI::Validator NonEmpty() {
  return CLI::Validator(
      [](std::string& value) {
        return value.empty() ? std::string("expected a file name, got an "
                                           "empty value")
                             : std::string();
      },
      "", "NonEmpty");
}

class LintCommand final : public Command {
 public:
  explicit LintCommand(const CLI::App* subcommand) : Command(subcommand) {}

  int Run(const CommandContext& context) override {
    // AddChoiceFlag() allowed only the names ParseOutputFormat() knows.
    args.format = *lint::ParseOutputFormat(format);
    if (context.deps->files != nullptr) {
      return RunLintCommand(args, *context.deps->files, *context.out);
    }
    lint::DiskFileReader disk;
    return RunLintCommand(args, disk, *context.out);
  }

  LintArgs args;
  std::string format = "text";
};

}  // namespace

std::unique_ptr<Command> AddLintCommand(CLI::App& app) {
  CLI::App* lint = app.add_subcommand(
      "lint", "check docker compose files, Alertmanager configurations and "
              "Prometheus rule files against the policy");
  auto command = std::make_unique<LintCommand>(lint);
  lint::LintOptions& options = command->args.options;
  lint->footer(
      "File flags repeat (--compose a.yml --compose b.yml); a value is never "
      "split at\ncommas.\n"
      "Exit codes: 0 no finding at error level (--strict: nor warning), 1 a "
      "finding at\nerror level, 2 a usage error, or files that cannot be "
      "read or parsed.");
  lint->add_option(flags::Names("policy"), options.policy_path,
                   "YAML policy file (default: the embedded default policy)")
      ->type_name("FILE");
  struct {
    const char* name;
    std::vector<std::string>* values;
    const char* help;
    const char* type;
  } repeated[] = {
      {"compose", &options.compose_paths, "docker compose file", "FILE"},
      {"alertmanager", &options.alertmanager_paths,
       "Alertmanager configuration file", "FILE"},
      {"rules", &options.rules_paths, "Prometheus rule file", "FILE"},
      {"allow-host", &options.allow_hosts,
       "a host webhook URLs may name besides loopback and compose services "
       "(*.example.com allows subdomains)",
       "HOST"},
  };
  for (const auto& flag : repeated) {
    lint->add_option(flags::Names(flag.name), *flag.values, flag.help)
        ->type_name(flag.type)
        ->allow_extra_args(false)  // one value per flag
        ->check(NonEmpty());
  }
  lint->add_flag(flags::Names("strict"), options.strict,
                 "turn warnings into errors");
  flags::AddChoiceFlag(*lint, "format", &command->format,
                       {"text", "json", "github"}, "output format");
  lint->callback([&options] {
    if (options.compose_paths.empty() && options.alertmanager_paths.empty() &&
        options.rules_paths.empty()) {
      throw CLI::ValidationError(
          "nothing to check: give --compose, --alertmanager or --rules");
    }
  });
  return command;
}

int RunLintCommand(const LintArgs& args, const lint::FileReader& files,
                   std::ostream& out) {
  lint::LintResult result = lint::RunLint(args.options, files);
  out << lint::FormatFindings(result.findings, result.files_checked,
                              args.format);
  return result.exit_code;
}

}  // namespace cli
}  // namespace autoheal
