// Fuzz target: the lint rule-file reader on arbitrary text, against a
// policy with one action. See fuzz/lint_fuzz_util.h for the invariants.
#include <cstddef>
#include <cstdint>

#include "autoheal/options.h"
#include "fuzz/lint_fuzz_util.h"
#include "lint/rules.h"

namespace autoheal {
namespace fuzz {
namespace {

EngineOptions Policy() {
  EngineOptions policy;
  Action action;
  action.alertname = "TcpEndpointDownFast";
  action.name = "restart-tcp";
  action.argv = {"/bin/true"};
  policy.actions.push_back(action);
  return policy;
}

void FuzzOneInput(absl::string_view text) {
  static const EngineOptions* const policy = new EngineOptions(Policy());
  lint::RulesReport report = lint::LintRules(text, "rules.yml", policy);
  CheckFindings(report.findings, {"rules.yml"});
}

}  // namespace
}  // namespace fuzz
}  // namespace autoheal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  autoheal::fuzz::FuzzOneInput(autoheal::fuzz::AsView(data, size));
  return 0;
}
