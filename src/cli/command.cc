#include "cli/command.h"

#include "CLI/CLI.hpp"

namespace autoheal {
namespace cli {

bool Command::Parsed() const { return subcommand_->parsed(); }

}  // namespace cli
}  // namespace autoheal
