#include "autoheal/cooldown_key.h"

#include "absl/strings/str_cat.h"

namespace autoheal {

absl::string_view KeySpaceName(KeySpace space) {
  return space == KeySpace::kLive ? "live" : "dry_run";
}

CooldownKeyBuilder::CooldownKeyBuilder(KeySpace space) {
  // Enough for a typical action, alertname and one key label, so building a
  // key usually allocates once.
  key_.reserve(128);
  absl::StrAppend(&key_, "ah1|", KeySpaceName(space));
}

CooldownKeyBuilder& CooldownKeyBuilder::Add(absl::string_view part) {
  absl::StrAppend(&key_, "|", part.size(), ":", part);
  return *this;
}

std::string BudgetKey(KeySpace space, const std::string* action_name,
                      const std::string* alertname) {
  std::string key = absl::StrCat("ah1budget|", KeySpaceName(space));
  if (action_name != nullptr && alertname != nullptr) {
    absl::StrAppend(&key, "|", action_name->size(), ":", *action_name, "|",
                    alertname->size(), ":", *alertname);
  }
  return key;
}

}  // namespace autoheal
