#include "receiver/policy_source.h"

#include <utility>

namespace autoheal {
namespace receiver {

absl::StatusOr<EngineOptions> LoadReceiverPolicy(const std::string& path,
                                                 const EnvLookup& env) {
  absl::StatusOr<PolicyWithEnv> policy = LoadPolicyWithEnv(path, env);
  if (!policy.ok()) return policy.status();
  absl::Status status = ValidateOptions(policy->options);
  if (!status.ok()) return status;
  return std::move(policy->options);
}

}  // namespace receiver
}  // namespace autoheal
