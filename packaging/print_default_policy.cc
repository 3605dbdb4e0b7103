// Prints the embedded default policy (autoheal::EmbeddedDefaultPolicy()),
// under a header comment, to the file named by its one argument. The build
// runs it to make the package's /etc/autoheal/policy.yml, so that the file
// and the policy the programs embed come from the same text.

#include <fstream>
#include <iostream>

#include "autoheal/yaml_policy.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: print_default_policy OUTPUT_FILE\n";
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  out << "# /etc/autoheal/policy.yml: the policy autoheal-webhook.service "
         "loads\n"
         "# (AUTOHEAL_POLICY in /etc/default/autoheal). As installed, it is "
         "the\n"
         "# receiver's embedded default policy, below. Check a change with\n"
         "# `autoheal validate /etc/autoheal/policy.yml`; see\n"
         "# /usr/share/doc/autoheal/policy.md.\n"
      << autoheal::EmbeddedDefaultPolicy();
  out.close();
  if (!out) {
    std::cerr << "print_default_policy: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
