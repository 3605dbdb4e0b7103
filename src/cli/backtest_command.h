// `autoheal backtest`: what a policy would have done, replayed from
// Prometheus history (the logic is in src/backtest/backtest.h, which lists
// the flags and exit codes).
//
// Thread safety: thread-compatible.

#ifndef AUTOHEAL_CLI_BACKTEST_COMMAND_H_
#define AUTOHEAL_CLI_BACKTEST_COMMAND_H_

#include <memory>

#include "cli/command.h"

namespace autoheal {
namespace cli {

// Registers `autoheal backtest` on `app`; the returned command runs
// backtest::RunBacktest() with the parsed flags and the context's clock.
// `app` must outlive the command.
std::unique_ptr<Command> AddBacktestCommand(CLI::App& app);

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_BACKTEST_COMMAND_H_
