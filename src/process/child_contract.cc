// What an action's process learns about its alert: environment and stdin.

#include "process/child_contract.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/label_name.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace internal {
namespace {

bool IsEnvSafeValue(absl::string_view value) {
  return value.size() <= kMaxEnvValueBytes &&
         value.find('\0') == absl::string_view::npos;
}

nlohmann::json LabelsJson(const LabelSet& set) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [name, value] : set.entries()) object[name] = value;
  return object;
}

}  // namespace

std::vector<std::string> ChildEnvironment(const Alert& alert,
                                          absl::string_view path) {
  std::vector<std::string> env;
  env.push_back(absl::StrCat("PATH=", path));
  if (IsEnvSafeValue(alert.alertname())) {
    env.push_back(absl::StrCat("AUTOHEAL_ALERTNAME=", alert.alertname()));
  }
  if (IsEnvSafeValue(alert.fingerprint)) {
    env.push_back(absl::StrCat("AUTOHEAL_FINGERPRINT=", alert.fingerprint));
  }
  env.push_back(
      absl::StrCat("AUTOHEAL_STATUS=", AlertStatusName(alert.status)));

  // Labels whose uppercased names collide are ambiguous: none of them goes in.
  absl::flat_hash_map<std::string, int> uses;
  for (const auto& [name, value] : alert.labels.entries()) {
    if (IsValidLabelName(name)) ++uses[absl::AsciiStrToUpper(name)];
  }
  for (const auto& [name, value] : alert.labels.entries()) {
    if (!IsValidLabelName(name) || !IsEnvSafeValue(value)) continue;
    std::string upper = absl::AsciiStrToUpper(name);
    if (uses[upper] != 1) continue;
    env.push_back(absl::StrCat("AUTOHEAL_LABEL_", upper, "=", value));
  }
  return env;
}

std::string ChildStdin(const Alert& alert) {
  nlohmann::json json = nlohmann::json::object();
  json["status"] = std::string(AlertStatusName(alert.status));
  json["labels"] = LabelsJson(alert.labels);
  json["annotations"] = LabelsJson(alert.annotations);
  json["startsAt"] = alert.starts_at;
  json["endsAt"] = alert.ends_at;
  json["generatorURL"] = alert.generator_url;
  json["fingerprint"] = alert.fingerprint;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace internal
}  // namespace autoheal
