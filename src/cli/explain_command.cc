#include "cli/explain_command.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "autoheal/engine.h"
#include "autoheal/payload.h"
#include "cli/explain.h"
#include "flags/flags.h"

namespace autoheal {
namespace cli {
namespace {

bool ReadInput(const std::string& path, std::istream& in, std::string* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(in), {});
    return !in.bad();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  out->assign(std::istreambuf_iterator<char>(file), {});
  return true;
}

class ExplainCommand final : public Command {
 public:
  explicit ExplainCommand(const CLI::App* subcommand) : Command(subcommand) {}

  int Run(const CommandContext& context) override {
    return RunExplain(args, context.deps->env, *context.in, *context.out,
                      *context.err);
  }

  ExplainArgs args;
};

}  // namespace

std::unique_ptr<Command> AddExplainCommand(CLI::App& app) {
  CLI::App* explain = app.add_subcommand(
      "explain", "for each alert of a payload: the decision, and what would "
                 "have to change for autoheal to act");
  auto command = std::make_unique<ExplainCommand>(explain);
  ExplainArgs& args = command->args;
  explain->footer(
      "AUTOHEAL_ENABLED and AUTOHEAL_COOLDOWN_SEC apply as in the receiver; "
      "the output\nsays which did. The state is never created or changed.\n"
      "Exit codes: 0 explained, 2 a usage error or an unreadable or invalid "
      "policy or\npayload, 3 the state could not be opened.");
  explain
      ->add_option(flags::Names("policy"), args.policy_path,
                   "YAML policy file (default: the receiver's embedded "
                   "default policy)")
      ->type_name("FILE");
  explain->add_flag(flags::Names("enabled"), args.enabled,
                    "decide as if autoheal were enabled, whatever the policy "
                    "and AUTOHEAL_ENABLED say");
  flags::AddChoiceFlag(*explain, "format", &args.format, {"text", "json"},
                       "output format");
  AddStateFlags(*explain, &args.state,
                "the receiver's SQLite state, opened read-only: decide with "
                "its real cooldowns, budgets and escalations (default: fresh "
                "state)");
  explain
      ->add_option("PAYLOAD", args.payload,
                   "Alertmanager webhook payload file (JSON), or - for stdin")
      ->required();
  return command;
}

int RunExplain(const ExplainArgs& args, const EnvLookup& env, std::istream& in,
               std::ostream& out, std::ostream& err) {
  absl::StatusOr<PolicyWithEnv> policy =
      LoadPolicyWithEnv(args.policy_path, env);
  if (!policy.ok()) {
    err << "autoheal: " << policy.status().message() << "\n";
    return kExplainUsageError;
  }
  EngineOptions& options = policy->options;
  options.enabled = options.enabled || args.enabled;
  std::string body;
  if (!ReadInput(args.payload, in, &body)) {
    err << "autoheal: " << args.payload << ": cannot read\n";
    return kExplainUsageError;
  }
  absl::StatusOr<WebhookMessage> message = ParseWebhookMessage(body);
  if (!message.ok()) {
    err << "autoheal: " << args.payload << ": " << message.status().message()
        << "\n";
    return kExplainUsageError;
  }
  // Read-only: explain must never create or change the receiver's state.
  absl::StatusOr<std::unique_ptr<CooldownStore>> store =
      OpenCliState(args.state, SqliteOpenMode::kReadOnly);
  if (!store.ok()) {
    err << "autoheal: " << store.status().message() << "\n";
    return kExplainStateUnavailable;
  }
  EngineDeps deps;
  deps.store = store->get();  // null: a fresh in-memory store
  deps.preview = true;        // never change the receiver's state
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(options, deps);
  if (!engine.ok()) {
    err << "autoheal: " << engine.status().message() << "\n";
    return kExplainUsageError;
  }
  std::vector<Decision> decisions = (*engine)->DecideAll(*message);
  out << (args.format == "json"
              ? ExplainJson(*message, decisions, options, policy->overrides)
              : ExplainText(*message, decisions, options, policy->overrides));
  return kExplainOk;
}

}  // namespace cli
}  // namespace autoheal
