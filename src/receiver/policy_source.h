// Where the receiver's policy comes from: a YAML file or the embedded
// default, then the environment overrides every binary applies
// (AUTOHEAL_ENABLED, AUTOHEAL_COOLDOWN_SEC; see "config/env_overrides.h",
// shared with `autoheal explain`), then validation.
//
// Thread safety: the functions are reentrant.

#ifndef AUTOHEAL_RECEIVER_POLICY_SOURCE_H_
#define AUTOHEAL_RECEIVER_POLICY_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "autoheal/options.h"
#include "config/env_overrides.h"

namespace autoheal {
namespace receiver {

// The environment seam lives in config/ now; these keep the receiver's
// spelling working.
using ::autoheal::EnvLookup;
using ::autoheal::ProcessEnv;

// Loads the policy from `path` (or the embedded default when empty),
// applies the environment overrides and validates the result. Returns
// kInvalidArgument naming the file position or the variable at fault.
absl::StatusOr<EngineOptions> LoadReceiverPolicy(const std::string& path,
                                                 const EnvLookup& env);

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_POLICY_SOURCE_H_
