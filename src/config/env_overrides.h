// The environment variables that override a policy, read the same way by
// every binary that decides: the receiver at startup and on SIGHUP, and
// `autoheal explain`, so that explain previews what the receiver would do.
//
//   AUTOHEAL_ENABLED       exactly one of true, false, 1, 0, yes, no
//                          (lowercase); overrides the policy's `enabled`
//   AUTOHEAL_COOLDOWN_SEC  a positive integer: the default cooldown
//
// The environment wins over the file, as the original service's switch did.
// Anything else in those variables is an error naming the variable and the
// accepted values, so a typo never silently leaves autoheal in the wrong
// mode.
//
//   absl::StatusOr<PolicyWithEnv> policy = LoadPolicyWithEnv(path, ProcessEnv());
//   if (!policy.ok()) return Fail(policy.status());  // names file or variable
//   for (const EnvOverride& o : policy->overrides) Log(o.name, "=", o.value);
//
// Thread safety: the functions are reentrant; ProcessEnv()'s lookup reads
// the process environment (getenv), which nothing may change meanwhile.

#ifndef AUTOHEAL_CONFIG_ENV_OVERRIDES_H_
#define AUTOHEAL_CONFIG_ENV_OVERRIDES_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "autoheal/options.h"

namespace autoheal {

// Looks up an environment variable; nullopt when unset. Injected so that
// tests never touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// Returns an EnvLookup over the real process environment.
EnvLookup ProcessEnv();

// One variable that was set and applied, with its value as found.
struct EnvOverride {
  std::string name;
  std::string value;
};

// Applies AUTOHEAL_ENABLED and AUTOHEAL_COOLDOWN_SEC to `options`, in that
// order. Returns the ones that were set, or kInvalidArgument naming the
// variable, its value and what is accepted (then `options` may be half
// changed).
absl::StatusOr<std::vector<EnvOverride>> ApplyEnvOverrides(
    const EnvLookup& env, EngineOptions& options);

struct PolicyWithEnv {
  EngineOptions options;
  // The variables applied to `options`, in the order above.
  std::vector<EnvOverride> overrides;
};

// Loads the policy from the YAML file `path` (or the embedded default when
// empty) and applies the environment overrides. Does not validate the
// result (Engine::Create and ValidateOptions() do). Errors: the loader's
// (naming the file position) or ApplyEnvOverrides()'s.
absl::StatusOr<PolicyWithEnv> LoadPolicyWithEnv(const std::string& path,
                                                const EnvLookup& env);

}  // namespace autoheal

#endif  // AUTOHEAL_CONFIG_ENV_OVERRIDES_H_
