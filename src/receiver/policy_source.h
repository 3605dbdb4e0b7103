// Where the receiver's policy comes from: a YAML file or the embedded
// default, then the environment overrides the original service used.
//
//   AUTOHEAL_ENABLED       true/false/1/0/yes/no (case-insensitive)
//   AUTOHEAL_COOLDOWN_SEC  a positive integer: the default cooldown
//
// The environment wins over the file, as the original service's switch did.
// Anything else in those variables is an error naming the variable, so a
// typo never silently leaves the receiver in the wrong mode.
//
// Thread safety: the functions are reentrant.

#ifndef AUTOHEAL_RECEIVER_POLICY_SOURCE_H_
#define AUTOHEAL_RECEIVER_POLICY_SOURCE_H_

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/options.h"

namespace autoheal {
namespace receiver {

// Looks up an environment variable; nullopt when unset. Injected so that
// tests never touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// Returns an EnvLookup over the real process environment.
EnvLookup ProcessEnv();

// Loads the policy from `path` (or the embedded default when empty) and
// applies the environment overrides. Returns kInvalidArgument naming the
// file position or the variable at fault.
absl::StatusOr<EngineOptions> LoadReceiverPolicy(const std::string& path,
                                                 const EnvLookup& env);

// Applies AUTOHEAL_ENABLED and AUTOHEAL_COOLDOWN_SEC to `options`.
absl::Status ApplyEnvOverrides(const EnvLookup& env, EngineOptions& options);

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_POLICY_SOURCE_H_
