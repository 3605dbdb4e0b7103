#include "backtest/replay.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "autoheal/engine.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "autoheal/testing/fake_clock.h"

namespace autoheal {
namespace backtest {

absl::string_view OptInStateName(OptInState state) {
  switch (state) {
    case OptInState::kOptedIn:
      return "opted_in";
    case OptInState::kNotOptedIn:
      return "not_opted_in";
    case OptInState::kUnknown:
      return "unknown";
    case OptInState::kNoRule:
      return "no_rule";
  }
  return "unknown";
}

std::map<std::string, RuleInfo> ClassifyRules(
    const std::vector<lint::AlertRuleAnnotations>& rules,
    const EngineOptions& policy) {
  std::map<std::string, RuleInfo> out;
  for (const lint::AlertRuleAnnotations& rule : rules) {
    RuleInfo mine;
    std::vector<LabelSet::Entry> entries;
    for (const auto& [name, value] : rule.annotations) {
      entries.emplace_back(name, value);
      if (name != policy.opt_in_annotation) continue;
      if (absl::StrContains(value, "{{")) {
        mine.state = OptInState::kUnknown;
        mine.why = absl::StrCat("annotation ", name, " is templated (\"",
                                value, "\", line ", rule.line,
                                "): its value depends on each alert");
      } else if (value == policy.opt_in_value) {
        mine.state = OptInState::kOptedIn;
      }
    }
    if (mine.state == OptInState::kNoRule) mine.state = OptInState::kNotOptedIn;
    mine.annotations = LabelSet(std::move(entries));
    auto [it, inserted] = out.emplace(rule.alertname, mine);
    if (inserted || it->second.state == OptInState::kUnknown) continue;
    if (mine.state == OptInState::kUnknown) {
      it->second = std::move(mine);
    } else if (mine.state != it->second.state) {
      it->second.state = OptInState::kUnknown;
      it->second.why = absl::StrCat(
          "several rules named ", rule.alertname,
          " disagree on the opt-in (one at line ", rule.line, ")");
    }
  }
  return out;
}

absl::StatusOr<ReplayResult> Replay(
    const EngineOptions& policy, const std::vector<AlertHistory>& histories,
    const std::vector<Delivery>& deliveries,
    const std::map<std::string, RuleInfo>& rules) {
  EngineOptions options = policy;
  options.enabled = true;  // the question is what switching it on would do
  testing::FakeClock clock;
  InMemoryCooldownStore store;
  EngineDeps deps;
  deps.clock = &clock;
  deps.store = &store;
  absl::StatusOr<std::unique_ptr<Engine>> engine =
      Engine::Create(std::move(options), deps);
  if (!engine.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("policy: ", engine.status().message()));
  }
  // Each alert's annotations, looked up once.
  std::vector<const RuleInfo*> info(histories.size(), nullptr);
  for (size_t i = 0; i < histories.size(); ++i) {
    auto it = rules.find(histories[i].alertname);
    if (it != rules.end()) info[i] = &it->second;
  }
  ReplayResult result;
  WebhookMessage message;
  message.version = "4";
  message.receiver = "autoheal-backtest";
  std::vector<size_t> decided;
  for (const Delivery& delivery : deliveries) {
    message.alerts.clear();
    decided.clear();
    for (const auto& [index, status] : delivery.alerts) {
      const RuleInfo* rule = info[index];
      if (rule == nullptr || rule->state == OptInState::kUnknown ||
          rule->state == OptInState::kNoRule) {
        ++result.undecided[histories[index].alertname];
        continue;
      }
      Alert& alert = message.alerts.emplace_back();
      alert.status = status;
      alert.labels = histories[index].labels;
      alert.annotations = rule->annotations;
      decided.push_back(index);
    }
    if (message.alerts.empty()) continue;
    message.status = AlertStatus::kResolved;
    for (const Alert& a : message.alerts) {
      if (a.status == AlertStatus::kFiring) message.status = AlertStatus::kFiring;
    }
    clock.Set(delivery.time);
    const std::vector<Decision> decisions = (*engine)->DecideAll(message);
    for (size_t k = 0; k < decisions.size(); ++k) {
      const Decision& d = decisions[k];
      DecisionRecord& r = result.decisions.emplace_back();
      r.time = delivery.time;
      r.alert = decided[k];
      r.verdict = d.verdict;
      r.reason = d.reason;
      r.key = std::string(d.key.view());
      if (d.action != nullptr) r.action = d.action->name;
      r.time_left = d.time_left;
      r.budget_scope = std::string(d.budget_scope);
      r.newly_escalated = d.newly_escalated;
      r.sentence = d.Sentence();
    }
  }
  return result;
}

}  // namespace backtest
}  // namespace autoheal
