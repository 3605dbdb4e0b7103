// Fuzz target: the lint Alertmanager reader on arbitrary text. See
// fuzz/lint_fuzz_util.h for the invariants.
#include <cstddef>
#include <cstdint>

#include "fuzz/lint_fuzz_util.h"
#include "lint/alertmanager.h"

namespace autoheal {
namespace fuzz {
namespace {

void FuzzOneInput(absl::string_view text) {
  lint::AllowedHosts hosts;
  hosts.compose_services = {"autoheal"};
  hosts.allowed = {"*.example.com"};
  CheckFindings(lint::LintAlertmanager(text, "alertmanager.yml", hosts),
                {"alertmanager.yml"});
}

}  // namespace
}  // namespace fuzz
}  // namespace autoheal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  autoheal::fuzz::FuzzOneInput(autoheal::fuzz::AsView(data, size));
  return 0;
}
