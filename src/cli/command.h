// One subcommand of `autoheal` (explain, validate, state, lint, ...): the
// seam that keeps the command line extensible. Each subcommand lives in its
// own src/cli/<name>_command.{h,cc} and is registered by one function,
//
//   std::unique_ptr<Command> AddExplainCommand(CLI::App& app);
//
// which adds the subcommand and its flags to `app` and returns the object
// that holds the parsed values and runs the command. RunCli() ("cli/app.h")
// calls each Add*Command once, parses, then runs the one command whose
// subcommand was given.
//
//   class ExplainCommand final : public Command {
//    public:
//     explicit ExplainCommand(CLI::App* sub) : Command(sub) {}
//     int Run(const CommandContext& context) override;
//     ExplainArgs args;  // the flags are bound to these fields
//   };
//
// Thread safety: thread-compatible; a Command is used by one thread.

#ifndef AUTOHEAL_CLI_COMMAND_H_
#define AUTOHEAL_CLI_COMMAND_H_

#include <istream>
#include <ostream>

#include "autoheal/clock.h"
#include "config/env_overrides.h"
#include "lint/file_reader.h"

namespace CLI {
class App;
}  // namespace CLI

namespace autoheal {
namespace cli {

// What RunCli() reads besides its arguments and streams.
struct CliDeps {
  // The environment (AUTOHEAL_ENABLED and AUTOHEAL_COOLDOWN_SEC for
  // explain). Default: the process environment.
  EnvLookup env = ProcessEnv();
  // Where lint reads the files it is given. Default: null, the disk. Must
  // outlive the call.
  const lint::FileReader* files = nullptr;
  // The time the state commands print and clear at. Default: the real
  // clock. Must outlive the call.
  Clock* clock = RealClock();
};

// What a command runs with: RunCli()'s streams and dependencies, none
// owned, all valid for the duration of Command::Run().
struct CommandContext {
  // Where a payload given as "-" is read from.
  std::istream* in = nullptr;
  // Results.
  std::ostream* out = nullptr;
  // Errors.
  std::ostream* err = nullptr;
  // Never null.
  const CliDeps* deps = nullptr;
};

// A registered subcommand: the values its flags were parsed into, and what
// it runs with them.
class Command {
 public:
  virtual ~Command() = default;
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;

  // Returns true when the command line named this subcommand (or one of
  // its own subcommands), so RunCli() runs it.
  bool Parsed() const;

  // Runs the command with the values parsed into it. Returns the process
  // exit code (each command's header lists its codes; 2 always means a
  // usage error).
  virtual int Run(const CommandContext& context) = 0;

 protected:
  // `subcommand` is owned by the parent CLI::App, which must outlive this.
  explicit Command(const CLI::App* subcommand) : subcommand_(subcommand) {}

 private:
  const CLI::App* const subcommand_;
};

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_COMMAND_H_
