#include "config/env_overrides.h"

#include <cstdint>
#include <cstdlib>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/utf8.h"
#include "autoheal/yaml_policy.h"

namespace autoheal {
namespace {

// Exactly the documented spellings: "TRUE" or " yes" are typos of someone
// who meant something, and guessing what would be worse than refusing.
absl::StatusOr<bool> ParseEnabled(const std::string& value) {
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  return absl::InvalidArgumentError(absl::StrCat(
      "AUTOHEAL_ENABLED: expected true/false/1/0/yes/no (exactly, in "
      "lowercase), got ", internal::QuoteText(value)));
}

absl::StatusOr<absl::Duration> ParseCooldownSec(const std::string& value) {
  int64_t seconds = 0;
  bool digits_only = !value.empty() &&
                     value.find_first_not_of("0123456789") == std::string::npos;
  if (!digits_only || !absl::SimpleAtoi(value, &seconds) || seconds <= 0 ||
      seconds > 366LL * 24 * 3600) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AUTOHEAL_COOLDOWN_SEC: expected a positive number of seconds "
        "(at most a year), got ", internal::QuoteText(value)));
  }
  return absl::Seconds(seconds);
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

absl::StatusOr<std::vector<EnvOverride>> ApplyEnvOverrides(
    const EnvLookup& env, EngineOptions& options) {
  std::vector<EnvOverride> applied;
  if (std::optional<std::string> enabled = env("AUTOHEAL_ENABLED")) {
    absl::StatusOr<bool> parsed = ParseEnabled(*enabled);
    if (!parsed.ok()) return parsed.status();
    options.enabled = *parsed;
    applied.push_back({"AUTOHEAL_ENABLED", *std::move(enabled)});
  }
  if (std::optional<std::string> cooldown = env("AUTOHEAL_COOLDOWN_SEC")) {
    absl::StatusOr<absl::Duration> parsed = ParseCooldownSec(*cooldown);
    if (!parsed.ok()) return parsed.status();
    options.default_cooldown = *parsed;
    applied.push_back({"AUTOHEAL_COOLDOWN_SEC", *std::move(cooldown)});
  }
  return applied;
}

absl::StatusOr<PolicyWithEnv> LoadPolicyWithEnv(const std::string& path,
                                                const EnvLookup& env) {
  absl::StatusOr<EngineOptions> options =
      path.empty() ? ParsePolicy(EmbeddedDefaultPolicy(), "<embedded default policy>")
                   : LoadPolicyFile(path);
  if (!options.ok()) return options.status();
  PolicyWithEnv policy;
  policy.options = *std::move(options);
  absl::StatusOr<std::vector<EnvOverride>> overrides =
      ApplyEnvOverrides(env, policy.options);
  if (!overrides.ok()) return overrides.status();
  policy.overrides = *std::move(overrides);
  return policy;
}

}  // namespace autoheal
