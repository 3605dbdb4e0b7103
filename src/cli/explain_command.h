// `autoheal explain`: its flags (AddExplainCommand(), see "cli/command.h")
// and its wiring: loads the policy (and the environment overrides the
// receiver applies), opens the receiver's state read-only, builds a preview
// engine, decides every alert of a payload and renders the result (see
// "cli/explain.h").
//
// Thread safety: reentrant.

#ifndef AUTOHEAL_CLI_EXPLAIN_COMMAND_H_
#define AUTOHEAL_CLI_EXPLAIN_COMMAND_H_

#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "cli/command.h"
#include "cli/state_command.h"
#include "config/env_overrides.h"

namespace autoheal {
namespace cli {

// Exit codes of `autoheal explain`.
inline constexpr int kExplainOk = 0;
// The policy, the environment or the payload is wrong or unreadable.
inline constexpr int kExplainUsageError = 2;
// The state named by --state or --redis-address cannot be opened (a
// missing file included); see kStateUnavailable.
inline constexpr int kExplainStateUnavailable = kStateUnavailable;

struct ExplainArgs {
  // The YAML policy. Default: empty, the embedded default policy.
  std::string policy_path;
  // Decide as if enabled, whatever the policy and AUTOHEAL_ENABLED say.
  // Default: false.
  bool enabled = false;
  // "text" or "json". Default: text.
  std::string format = "text";
  // The payload file, or "-" for `in`. Required.
  std::string payload;
  // The receiver's state, opened read-only. Default: none, a fresh
  // in-memory store.
  StateArgs state;
};

// Runs `autoheal explain`: the policy, then AUTOHEAL_ENABLED and
// AUTOHEAL_COOLDOWN_SEC from `env` (as the receiver applies them; the
// output says which were), then `args.enabled`. Never changes the state.
// Writes the explanation to `out`, errors to `err`. Returns kExplainOk,
// kExplainUsageError or kExplainStateUnavailable.
int RunExplain(const ExplainArgs& args, const EnvLookup& env, std::istream& in,
               std::ostream& out, std::ostream& err);

// Registers `autoheal explain [flags] PAYLOAD` on `app`; the returned
// command runs RunExplain() with the parsed flags and the context's
// environment. `app` must outlive the command.
std::unique_ptr<Command> AddExplainCommand(CLI::App& app);

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_EXPLAIN_COMMAND_H_
