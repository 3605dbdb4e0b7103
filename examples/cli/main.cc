// autoheal: the command-line tool (explain, validate, state, lint). Wiring
// only: the command line and what each subcommand runs are in src/cli/
// (see `autoheal --help`).
#include <iostream>

#include "cli/app.h"

int main(int argc, char** argv) {
  return autoheal::cli::RunCli(argc, argv, std::cin, std::cout, std::cerr);
}
