#include "receiver/policy_source.h"

#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "autoheal/internal/utf8.h"
#include "autoheal/yaml_policy.h"

namespace autoheal {
namespace receiver {
namespace {

absl::StatusOr<bool> ParseEnabled(const std::string& value) {
  std::string v = absl::AsciiStrToLower(value);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return absl::InvalidArgumentError(absl::StrCat(
      "AUTOHEAL_ENABLED: expected true/false/1/0/yes/no, got ",
      internal::QuoteText(value)));
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

absl::Status ApplyEnvOverrides(const EnvLookup& env, EngineOptions& options) {
  if (std::optional<std::string> enabled = env("AUTOHEAL_ENABLED")) {
    absl::StatusOr<bool> parsed = ParseEnabled(*enabled);
    if (!parsed.ok()) return parsed.status();
    options.enabled = *parsed;
  }
  if (std::optional<std::string> cooldown = env("AUTOHEAL_COOLDOWN_SEC")) {
    absl::StatusOr<absl::Duration> parsed = ParseCooldownSec(*cooldown);
    if (!parsed.ok()) return parsed.status();
    options.default_cooldown = *parsed;
  }
  return absl::OkStatus();
}

absl::StatusOr<EngineOptions> LoadReceiverPolicy(const std::string& path,
                                                 const EnvLookup& env) {
  absl::StatusOr<EngineOptions> options =
      path.empty() ? ParsePolicy(EmbeddedDefaultPolicy(), "<embedded default policy>")
                   : LoadPolicyFile(path);
  if (!options.ok()) return options.status();
  absl::Status status = ApplyEnvOverrides(env, *options);
  if (!status.ok()) return status;
  status = ValidateOptions(*options);
  if (!status.ok()) return status;
  return options;
}

}  // namespace receiver
}  // namespace autoheal
