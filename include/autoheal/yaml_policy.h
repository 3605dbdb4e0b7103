// The policy file: a YAML document that fills `EngineOptions`.
//
// Target `autoheal::yaml` (depends on yaml-cpp); the core does not need it.
// The format is documented, with a complete example, in docs/policy.md.
//
// Errors are `kInvalidArgument` with the file, line and column (1-based) and
// the key path, then what was expected:
//   policy.yml:14:5: actions.TcpEndpointDownFast.timeout: expected a duration like 30s
// Unknown keys are errors, so a typo never silently disables a guard.
// Lists and mappings nested deeper than 64 levels are errors (a policy nests
// 4), reported where the 65th level opens; a policy is exactly one document.
// The loader checks the file's shape and types; `Engine::Create()` still
// validates the result as a whole.
//
// Thread safety: the functions are reentrant; they share no state.

#ifndef AUTOHEAL_YAML_POLICY_H_
#define AUTOHEAL_YAML_POLICY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/options.h"

namespace autoheal {

// Parses `text` as a policy document. `filename` only labels error messages.
absl::StatusOr<EngineOptions> ParsePolicy(absl::string_view text,
                                          absl::string_view filename);

// Returns the embedded default policy's YAML: the original stack's three
// actions (CrmMetricsScrapeStale, TcpEndpointDownFast, UptimeProbeFailing)
// with harmless placeholder commands that only echo, in dry-run. The
// receiver and the CLI use it when no policy file is given.
absl::string_view EmbeddedDefaultPolicy();

// Reads and parses the policy file at `path`. Returns `kNotFound` or
// `kPermissionDenied`-style errors naming the path when it cannot be read.
absl::StatusOr<EngineOptions> LoadPolicyFile(const std::string& path);

}  // namespace autoheal

#endif  // AUTOHEAL_YAML_POLICY_H_
