#include "receiver/responses.h"

#include "core/decision_json.h"
#include "core/json_writer.h"
#include "nlohmann/json.hpp"

namespace autoheal {
namespace receiver {
namespace {

using json = nlohmann::ordered_json;

// Dumps without ever throwing: invalid UTF-8 is replaced, not fatal.
std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Str(absl::string_view s) { return std::string(s); }

// The original service's `actions`: the allowlisted alertnames.
json AllowlistJson(const EngineOptions& options) {
  json alertnames = json::array();
  for (const Action& a : options.actions) alertnames.push_back(a.alertname);
  return alertnames;
}

json ActionsJson(const EngineOptions& options) {
  json actions = json::object();
  for (const Action& a : options.actions) {
    actions[a.alertname] = {
        {"name", a.name},
        {"argv", a.argv},
        {"timeout_sec", absl::ToDoubleSeconds(a.timeout)},
        {"cooldown_sec",
         absl::ToDoubleSeconds(EffectiveCooldown(options, a))},
        {"key_labels", a.key_labels}};
  }
  return actions;
}

}  // namespace

std::string ErrorJson(absl::string_view message) {
  return Dump({{"error", Str(message)}});
}

std::string DecisionsJson(const WebhookMessage& message,
                          const std::vector<Decision>& decisions,
                          bool enabled) {
  // The hot path of every delivery: written directly, not through a DOM.
  std::string out;
  out.reserve(64 + 384 * decisions.size());
  internal::JsonWriter w(&out);
  w.BeginObject();
  w.Key("enabled").Bool(enabled);
  w.Key("decisions").BeginArray();
  for (size_t i = 0; i < decisions.size() && i < message.alerts.size(); ++i) {
    w.BeginObject();
    internal::WriteDecisionMembers(message.alerts[i], decisions[i], w);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

std::string IsoTime(absl::Time t) { return internal::IsoTimeMillis(t); }

std::string StatusJson(const StatusInfo& info) {
  const EngineOptions& options = *info.options;
  // The original service's fields first, exactly as it answered them, so
  // that scripts written against it keep working; autoheal's own after.
  json body = {
      {"service", "running"},
      {"status", "running"},
      {"enabled", options.enabled},
      {"actions", AllowlistJson(options)},
      {"cooldown_sec", absl::ToDoubleSeconds(options.default_cooldown)},
      {"timestamp", IsoTime(info.now)},
      {"name", "autoheal"},
      {"version", info.version},
      {"action_details", ActionsJson(options)},
      {"policy_digest", info.policy_digest},
      {"policy_source", info.policy_source},
      {"opt_in", {{"annotation", options.opt_in_annotation},
                  {"value", options.opt_in_value}}},
      {"inflight_actions", info.inflight},
          {"last_decision_at", info.last_decision_at == absl::InfinitePast()
                               ? json()
                               : json(IsoTime(info.last_decision_at))},
      {"budget", {{"max_executions", options.global_budget.max_executions},
                  {"window_sec",
                   absl::ToDoubleSeconds(options.global_budget.window)}}},
      {"flap_guard",
       {{"max_executions", options.flap_guard.max_executions},
        {"window_sec", absl::ToDoubleSeconds(options.flap_guard.window)}}}};
  if (info.state.ok()) {
    json escalated = json::array();
    for (const EscalatedKey& key : info.escalated) {
      escalated.push_back(
          {{"key", key.key}, {"quiet_until", IsoTime(key.quiet_until)}});
    }
    body["state"] = "ok";
    body["escalated"] = std::move(escalated);
  } else {
    body["state"] = std::string(info.state.message());
  }
  return Dump(body);
}

absl::StatusOr<std::string> ParseStateClearBody(absl::string_view body) {
  json parsed = json::parse(body.begin(), body.end(), nullptr,
                            /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return absl::InvalidArgumentError("body is not valid JSON");
  }
  if (!parsed.is_object() || parsed.size() != 1 || !parsed.contains("key")) {
    return absl::InvalidArgumentError(
        "body must be an object with exactly one member, \"key\"");
  }
  const json& key = parsed["key"];
  if (!key.is_string() || key.get_ref<const std::string&>().empty()) {
    return absl::InvalidArgumentError("key must be a non-empty string");
  }
  return key.get<std::string>();
}

std::string StateClearJson(absl::string_view key, bool was_latched) {
  return Dump({{"key", std::string(key)}, {"cleared", was_latched}});
}

std::string ReadinessJson(bool ready, absl::string_view error,
                          absl::Time since) {
  if (ready) return Dump({{"status", "ready"}, {"state_store", "ok"}});
  return Dump({{"status", "not_ready"},
               {"state_store", "unavailable"},
               {"error", Str(error)},
               {"since", IsoTime(since)}});
}

}  // namespace receiver
}  // namespace autoheal
