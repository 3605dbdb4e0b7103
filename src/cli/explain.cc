#include "cli/explain.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "core/utf8.h"
#include "core/decision_json.h"
#include "core/json_writer.h"

namespace autoheal {
namespace cli {
namespace {

// Quotes `s` as Decision::Sentence() does, which `explain` prints beside
// it: escaped, and cut after 128 bytes.
std::string Quoted(absl::string_view s) { return internal::QuoteText(s, 128); }

std::string OptInChange(const Decision& d, const EngineOptions& options) {
  const std::string wanted =
      absl::StrCat(options.opt_in_annotation, ": ", Quoted(options.opt_in_value));
  if (d.opt_in_actual.data() == nullptr) {
    return absl::StrCat("add annotation ", wanted, " to rule ",
                        Quoted(d.alertname));
  }
  return absl::StrCat("change annotation ", options.opt_in_annotation,
                      " from ", Quoted(d.opt_in_actual), " to exactly ",
                      Quoted(options.opt_in_value), " in rule ",
                      Quoted(d.alertname));
}

}  // namespace

std::string WhatWouldHaveToChange(const Decision& d,
                                  const EngineOptions& options) {
  switch (d.reason) {
    case Reason::kInvalidAlert:
      return absl::StrCat(
          "fix what sends this alert, or its rule, so that the alert is "
          "well-formed: ",
          d.problem);
    case Reason::kResolved:
      return "nothing: the alert is resolved";
    case Reason::kNotOptedIn:
      return OptInChange(d, options);
    case Reason::kNotAllowlisted:
      return absl::StrCat("add an action for ", Quoted(d.alertname),
                          " to the policy");
    case Reason::kInvalidTarget:
      return absl::StrCat("label ", d.target_label, " ", d.target_problem,
                          "; fix the alert's label or the action's "
                          "label_patterns");
    case Reason::kEscalated:
      return absl::StrCat(
          "the fix did not fix it: clear the escalation with `autoheal state "
          "clear ",
          d.key.view(), "` or POST /state/clear, or let it stay quiet for ",
          absl::FormatDuration(d.flap_window));
    case Reason::kInFlight:
      return "wait for the running action to end";
    case Reason::kCoolingDown:
      return absl::StrCat(
          "cooling down, ",
          absl::ToInt64Seconds(absl::Ceil(d.time_left, absl::Seconds(1))),
          " s left");
    case Reason::kBudgetExhausted:
      return absl::StrCat(
          "the ", d.budget_scope, " budget is spent: a slot frees in ",
          absl::ToInt64Seconds(absl::Ceil(d.time_left, absl::Seconds(1))),
          " s, or raise its max_executions");
    case Reason::kStoreUnavailable:
      return absl::StrCat("make the state store reachable: ",
                          d.store_error.message());
    case Reason::kDryRun:
      return "AUTOHEAL_ENABLED is off: set enabled: true in the policy or "
             "AUTOHEAL_ENABLED=true";
    case Reason::kExecute:
      return "nothing: it would run now";
  }
  return "unknown";
}

std::string ExplainText(const WebhookMessage& message,
                        const std::vector<Decision>& decisions,
                        const EngineOptions& options,
                        const std::vector<EnvOverride>& overrides) {
  std::string out;
  if (!overrides.empty()) {
    absl::StrAppend(
        &out, "environment: ",
        absl::StrJoin(overrides, ", ",
                      [](std::string* line, const EnvOverride& o) {
                        absl::StrAppend(line, o.name, "=",
                                        internal::EscapeText(o.value));
                      }),
        " (applied to the policy, as the receiver does)\n");
  }
  for (size_t i = 0; i < decisions.size() && i < message.alerts.size(); ++i) {
    const Decision& d = decisions[i];
    absl::StrAppend(&out, d.alertname.empty() ? "(no alertname)" : d.alertname,
                    " [", message.alerts[i].fingerprint, "]: ",
                    VerdictName(d.verdict), " (", ReasonName(d.reason), ")\n",
                    "  why: ", d.Sentence(), "\n",
                    "  to act: ", WhatWouldHaveToChange(d, options), "\n");
  }
  return out;
}

std::string ExplainJson(const WebhookMessage& message,
                        const std::vector<Decision>& decisions,
                        const EngineOptions& options,
                        const std::vector<EnvOverride>& overrides) {
  std::string out;
  internal::JsonWriter w(&out);
  w.BeginObject();
  w.Key("enabled").Bool(options.enabled);
  w.Key("env_overrides").BeginObject();
  for (const EnvOverride& o : overrides) w.Key(o.name).String(o.value);
  w.EndObject();
  w.Key("alerts").BeginArray();
  for (size_t i = 0; i < decisions.size() && i < message.alerts.size(); ++i) {
    const Decision& d = decisions[i];
    w.BeginObject();
    internal::WriteDecisionMembers(message.alerts[i], d, w);
    w.Key("to_act").String(WhatWouldHaveToChange(d, options));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  out.push_back('\n');
  return out;
}

}  // namespace cli
}  // namespace autoheal
