#include "cli/doctor_command.h"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "doctor/doctor.h"
#include "flags/flags.h"

namespace autoheal {
namespace cli {
namespace {

class DoctorCommand final : public Command {
 public:
  explicit DoctorCommand(const CLI::App* subcommand) : Command(subcommand) {}

  int Run(const CommandContext& context) override {
    doctor::DoctorOptions run = options;
    if (!token_file.empty()) {
      absl::StatusOr<std::string> token =
          doctor::ReadBearerTokenFile(token_file);
      if (!token.ok()) {
        *context.err << "autoheal doctor: " << token.status().message()
                     << "\n";
        return doctor::kExitUsage;
      }
      run.bearer_token = *std::move(token);
    }
    run.connect_timeout = std::min(run.connect_timeout, run.timeout);
    return doctor::RunDoctor(run, *context.out, *context.err);
  }

  doctor::DoctorOptions options;
  std::string token_file;
};

}  // namespace

std::unique_ptr<Command> AddDoctorCommand(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "doctor",
      "run the 'autoheal not triggering' checklist against the live "
      "receiver, Prometheus and Alertmanager: ten checks, each ok, warn, "
      "fail or skip, with a fix");
  auto command = std::make_unique<DoctorCommand>(sub);
  doctor::DoctorOptions& o = command->options;
  sub->footer(
      "Exit codes: 0 no check failed, 1 a check failed, 2 a usage error.");
  sub->add_option(flags::Names("receiver"), o.receiver_url,
                  "the receiver's base URL, e.g. http://127.0.0.1:9009")
      ->type_name("URL")
      ->required();
  sub->add_option(flags::Names("prometheus"), o.prometheus_url,
                  "Prometheus's base URL (without it, the rule checks skip)")
      ->type_name("URL");
  sub->add_option(flags::Names("alertmanager"), o.alertmanager_url,
                  "Alertmanager's base URL (without it, the route check "
                  "skips)")
      ->type_name("URL");
  sub->add_option(flags::Names("alertname"), o.alertnames,
                  "an alertname to check; repeat for more; without it, "
                  "every alertname of the receiver's allowlist")
      ->type_name("NAME")
      ->allow_extra_args(false);
  sub->add_option(flags::Names("bearer-token-file"), command->token_file,
                  "file holding the receiver's bearer token, for POST "
                  "/explain (never printed)")
      ->type_name("FILE");
  flags::AddChoiceFlag(*sub, "format", &o.format, {"text", "json"},
                       "output format");
  flags::AddDurationFlag(*sub, "timeout", &o.timeout,
                         "the longest one HTTP call may take (connect "
                         "included)");
  return command;
}

}  // namespace cli
}  // namespace autoheal
