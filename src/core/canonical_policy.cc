// CanonicalPolicy(): the whole policy as one canonical JSON text.

#include <algorithm>
#include <string>
#include <vector>

#include "autoheal/options.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace {

using Json = nlohmann::ordered_json;

int64_t Nanos(absl::Duration d) { return absl::ToInt64Nanoseconds(d); }

Json BudgetJson(const Budget& budget) {
  return Json{{"max_executions", budget.max_executions},
              {"window_ns", Nanos(budget.window)}};
}

Json ActionJson(const Action& action) {
  Json patterns = Json::object();  // std::map: already sorted by label
  for (const auto& [label, pattern] : action.label_patterns) {
    patterns[label] = pattern;
  }
  return Json{{"alertname", action.alertname},
              {"name", action.name},
              {"argv", action.argv},
              {"label_patterns", patterns},
              {"timeout_ns", Nanos(action.timeout)},
              {"cooldown_ns", action.cooldown.has_value()
                                  ? Json(Nanos(*action.cooldown))
                                  : Json(nullptr)},
              {"key_labels", action.key_labels},  // order is the key's order
              {"budget", BudgetJson(action.budget)}};
}

}  // namespace

std::string CanonicalPolicy(const EngineOptions& options) {
  // Actions in alertname order: the order of the file does not decide.
  std::vector<const Action*> actions;
  for (const Action& action : options.actions) actions.push_back(&action);
  std::sort(actions.begin(), actions.end(), [](const Action* a, const Action* b) {
    return a->alertname < b->alertname;
  });
  Json action_list = Json::array();
  for (const Action* action : actions) action_list.push_back(ActionJson(*action));
  Json escalation = nullptr;
  if (options.escalation.has_value()) {
    escalation = Json{{"argv", options.escalation->argv},
                      {"timeout_ns", Nanos(options.escalation->timeout)}};
  }
  const Json canonical = {
      {"enabled", options.enabled},
      {"opt_in_annotation", options.opt_in_annotation},
      {"opt_in_value", options.opt_in_value},
      {"default_cooldown_ns", Nanos(options.default_cooldown)},
      {"global_budget", BudgetJson(options.global_budget)},
      {"flap_guard",
       {{"max_executions", options.flap_guard.max_executions},
        {"window_ns", Nanos(options.flap_guard.window)}}},
      {"escalation", escalation},
      {"actions", action_list}};
  // Never throws: bytes that are not UTF-8 are replaced, which keeps the
  // text deterministic (a validated policy holds none).
  return canonical.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace autoheal
