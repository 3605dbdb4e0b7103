// The policy file: a YAML document that fills `EngineOptions`.
//
// Target `autoheal::yaml` (depends on yaml-cpp); the core does not need it.
// The format is documented, with a complete example, in docs/policy.md.
//
// Errors are `kInvalidArgument` with the file, line and column (1-based) and
// the key path, then what was expected:
//   policy.yml:14:5: actions.TcpEndpointDownFast.timeout: expected a duration like 30s
// Unknown keys are errors, so a typo never silently disables a guard, and so
// are duplicate keys. Merge keys follow YAML 1.1: `<<` names a mapping or a
// list of mappings, keys written in the mapping win over merged ones and
// earlier mappings over later ones; like any key, `<<` may appear once in a
// mapping (`<<: [*a, *b]` merges two).
// Lists and mappings nested deeper than 64 levels are errors (a policy nests
// 4), reported where the 65th level opens; a policy is exactly one document.
// The loader checks the file's shape and types; `Engine::Create()` still
// validates the result as a whole.
//
// Thread safety: the functions are reentrant; they share no state.

#ifndef AUTOHEAL_YAML_POLICY_H_
#define AUTOHEAL_YAML_POLICY_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/options.h"

namespace autoheal {

// Where a field of a policy file is written: the 1-based line and column of
// its key.
struct PolicyPosition {
  int line = 0;
  int column = 0;
};

// Where each field of a policy file is written, by key path:
//   {"cooldown"}, {"actions", "TcpEndpointDownFast"},
//   {"actions", "TcpEndpointDownFast", "timeout"},
//   {"actions", "TcpEndpointDownFast", "label_patterns", "instance"}.
// Keys are as written (unescaped). A field merged in with `<<` is where it
// is written in the mapping it was merged from.
using PolicyPositions = std::map<std::vector<std::string>, PolicyPosition>;

// Parses `text` as a policy document. `filename` only labels error messages.
// When `positions` is not null and the policy is valid, fills it with where
// each field is written, for tools that point at a line (`autoheal lint`);
// it is not kept past the call.
absl::StatusOr<EngineOptions> ParsePolicy(absl::string_view text,
                                          absl::string_view filename,
                                          PolicyPositions* positions = nullptr);

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
