// `autoheal`, the command-line tool, as a function: its whole command line
// (CLI11, with what both binaries share from "flags/flags.h") and what each
// subcommand runs. examples/cli/main.cc only calls RunCli(); tests call it
// in-process too.
//
//   autoheal explain [--policy FILE] [--enabled] [--format text|json]
//                    [--state FILE | --redis-address HOST:PORT
//                     [--redis-prefix P] [--redis-timeout D]] PAYLOAD|-
//   autoheal validate POLICY
//   autoheal state list [--state FILE | --redis-address HOST:PORT ...]
//   autoheal state clear KEY [--state FILE | --redis-address HOST:PORT ...]
//                            [--audit-log FILE]
//   autoheal lint [--policy FILE] [--compose F]... [--alertmanager F]...
//                 [--rules F]... [--allow-host H]... [--strict]
//                 [--format text|json|github]
//   autoheal doctor --receiver URL [--prometheus URL] [--alertmanager URL]
//                   [--alertname NAME]... [--bearer-token-file FILE]
//                   [--format text|json] [--timeout 10s]
//
// `autoheal --help` and `autoheal SUBCOMMAND --help` print the flags, with
// their defaults, from the same definitions.
//
// Exit codes: 0 done (and --help, --version); 1 validate: the policy is
// invalid, lint: a finding at error level, doctor: a check failed; 2 a
// usage error (an unknown flag or subcommand, a missing or bad value,
// --state with --redis-address), an unreadable or invalid policy or
// payload, an unreadable doctor token file, or lint
// files that cannot be read or parsed; 3 the state store could not be
// opened (a missing or non-autoheal SQLite file included) or failed:
// nothing changed.
//
// Adding a subcommand (`autoheal doctor` was added so; `autoheal backtest`
// comes next) is one function in its own file, and one line in RunCli():
//
//   // src/cli/doctor_command.h
//   std::unique_ptr<Command> AddDoctorCommand(CLI::App& app);
//
//   // src/cli/app.cc, RunCli()
//   commands.push_back(AddDoctorCommand(app));
//
// AddDoctorCommand() adds the subcommand, its flags (with the helpers of
// "flags/flags.h", so names, durations and errors work as everywhere
// else) and its footer (its exit codes) to `app`, and returns the Command
// ("cli/command.h") that holds the parsed values and runs it. --help lists
// it, and usage errors name it, with nothing else to change; add the
// command's section to README.md (a test checks that README lists every
// flag of every --help).
//
// Thread safety: reentrant, given reentrant `deps`.

#ifndef AUTOHEAL_CLI_APP_H_
#define AUTOHEAL_CLI_APP_H_

#include <istream>
#include <ostream>

#include "cli/command.h"

namespace autoheal {
namespace cli {

// Runs `autoheal` with `argv` (argv[0] is ignored; help and errors say
// "autoheal"). Reads a payload given as "-" from `in`, writes results,
// --help and --version to `out` and errors to `err`. Returns the exit code
// (see above).
int RunCli(int argc, const char* const* argv, std::istream& in,
           std::ostream& out, std::ostream& err,
           const CliDeps& deps = CliDeps());

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_APP_H_
