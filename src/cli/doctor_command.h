// `autoheal doctor`: its flags (AddDoctorCommand(), see "cli/command.h");
// the checks themselves are the doctor library ("doctor/doctor.h").
//
//   autoheal doctor --receiver URL [--prometheus URL] [--alertmanager URL]
//                   [--alertname NAME]... [--bearer-token-file FILE]
//                   [--format text|json] [--timeout 10s]
//
// Exit codes: 0 no check failed, 1 a check failed, 2 a usage error (a bad
// flag or URL, an unreadable token file).
//
// Thread safety: reentrant.

#ifndef AUTOHEAL_CLI_DOCTOR_COMMAND_H_
#define AUTOHEAL_CLI_DOCTOR_COMMAND_H_

#include <memory>

#include "cli/command.h"

namespace autoheal {
namespace cli {

// Registers `autoheal doctor` on `app`; the returned command runs
// doctor::RunDoctor(). `app` must outlive the command.
std::unique_ptr<Command> AddDoctorCommand(CLI::App& app);

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_DOCTOR_COMMAND_H_
