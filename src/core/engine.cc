#include "autoheal/engine.h"

#include <optional>
#include <utility>
#include <vector>

#include "autoheal/arg_template.h"
#include "autoheal/cooldown_key.h"
#include "autoheal/in_memory_cooldown_store.h"
#include "re2/re2.h"

namespace autoheal {

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(EngineOptions options,
                                                       EngineDeps deps) {
  absl::Status status = ValidateOptions(options);
  if (!status.ok()) return status;
  return std::unique_ptr<Engine>(new Engine(std::move(options), deps));
}

Engine::Engine(EngineOptions options, EngineDeps deps)
    : options_(std::move(options)),
      clock_(deps.clock != nullptr ? deps.clock : RealClock()),
      owned_store_(deps.store != nullptr
                       ? nullptr
                       : std::make_unique<InMemoryCooldownStore>()),
      store_(deps.store != nullptr ? deps.store : owned_store_.get()),
      in_flight_(deps.in_flight),
      preview_(deps.preview),
      global_budget_key_(BudgetKey(
          options_.enabled ? KeySpace::kLive : KeySpace::kDryRun, nullptr,
          nullptr)) {
  const KeySpace space = options_.enabled ? KeySpace::kLive : KeySpace::kDryRun;
  for (const Action& action : options_.actions) {
    ActionEntry entry;
    entry.action = &action;
    entry.cooldown = EffectiveCooldown(options_, action);
    if (action.budget.enabled()) {
      entry.budget_key = BudgetKey(space, &action.name, &action.alertname);
    }
    // Each pattern is compiled here, once; Decide() only matches.
    // ValidateOptions() has checked every template and pattern; were one to
    // fail to compile anyway, its check stays null and matches nothing.
    absl::StatusOr<std::vector<std::string>> templated =
        TemplateLabels(action.argv);
    for (const std::string& label :
         templated.value_or(std::vector<std::string>())) {
      absl::StatusOr<std::unique_ptr<const re2::RE2>> pattern =
          CompileLabelPattern(action.label_patterns.at(label));
      entry.label_checks.push_back(
          {label, pattern.ok() ? *std::move(pattern) : nullptr});
    }
    if (action.key_labels.empty()) {
      entry.live_key = CooldownKeyBuilder(KeySpace::kLive)
                           .Add(action.name).Add(action.alertname).Finish();
      entry.dry_key = CooldownKeyBuilder(KeySpace::kDryRun)
                          .Add(action.name).Add(action.alertname).Finish();
    }
    actions_by_alertname_.emplace(action.alertname, std::move(entry));
  }
  for (auto& [alertname, entry] : actions_by_alertname_) {
    if (options_.global_budget.enabled()) {
      entry.budgets[entry.budget_count++] = {
          global_budget_key_, options_.global_budget.max_executions,
          options_.global_budget.window};
    }
    if (!entry.budget_key.empty()) {
      entry.budgets[entry.budget_count++] = {
          entry.budget_key, entry.action->budget.max_executions,
          entry.action->budget.window};
    }
  }
}

Engine::~Engine() = default;

const Action* Engine::FindAction(absl::string_view alertname) const {
  auto it = actions_by_alertname_.find(alertname);
  return it == actions_by_alertname_.end() ? nullptr : it->second.action;
}

const Engine::ActionEntry* Engine::LocalGates(const Alert& alert,
                                              Decision& decision) const {
  decision.alertname = alert.alertname();
  decision.opt_in_annotation = options_.opt_in_annotation;
  decision.opt_in_value = options_.opt_in_value;

  // Gate 0: nothing of a malformed alert is trusted, not even its status.
  if (!alert.problem.empty()) {
    decision.reason = Reason::kInvalidAlert;
    decision.problem = alert.problem;
    return nullptr;
  }
  if (alert.status == AlertStatus::kResolved) {
    decision.reason = Reason::kResolved;
    return nullptr;
  }
  std::optional<absl::string_view> opt_in =
      alert.annotations.Find(options_.opt_in_annotation);
  if (opt_in.has_value()) decision.opt_in_actual = *opt_in;
  if (!opt_in.has_value() || *opt_in != options_.opt_in_value) {
    decision.reason = Reason::kNotOptedIn;
    return nullptr;
  }
  auto it = actions_by_alertname_.find(decision.alertname);
  if (it == actions_by_alertname_.end()) {
    decision.reason = Reason::kNotAllowlisted;
    return nullptr;
  }
  const ActionEntry& entry = it->second;
  decision.action = entry.action;
  if (!entry.label_checks.empty() && !TargetIsValid(entry, alert, decision)) {
    decision.reason = Reason::kInvalidTarget;
    return nullptr;
  }
  decision.key = KeyFor(entry, alert);
  return &entry;
}

Decision Engine::Decide(const Alert& alert) {
  Decision decision;
  const ActionEntry* entry = LocalGates(alert, decision);
  if (entry != nullptr) AcquireState(*entry, InFlight(decision), decision);
  return decision;
}

std::vector<Decision> Engine::DecideAll(const WebhookMessage& message) {
  // Constructed in place and never moved after: the requests below view
  // the keys the decisions own.
  std::vector<Decision> decisions(message.alerts.size());
  std::vector<size_t> at_store;  // the alerts that pass gates 0-4
  std::vector<const ActionEntry*> entries;
  for (size_t i = 0; i < message.alerts.size(); ++i) {
    const ActionEntry* entry = LocalGates(message.alerts[i], decisions[i]);
    if (entry == nullptr) continue;
    at_store.push_back(i);
    entries.push_back(entry);
  }
  if (at_store.empty()) return decisions;

  // Gates 5-8 for all of them in one store call, at one instant.
  const absl::Time now = clock_->Now();
  std::vector<AcquireRequest> requests;
  requests.reserve(at_store.size());
  for (size_t j = 0; j < at_store.size(); ++j) {
    const Decision& decision = decisions[at_store[j]];
    requests.push_back(
        RequestFor(*entries[j], decision, InFlight(decision), now));
  }
  std::vector<AcquireResult> results(requests.size());
  const absl::Status status =
      store_->AcquireBatch(requests, absl::MakeSpan(results));
  for (size_t j = 0; j < at_store.size(); ++j) {
    Decision& decision = decisions[at_store[j]];
    if (!status.ok()) {
      // Fail closed: the batch took nothing, so none of them may run.
      decision.reason = Reason::kStoreUnavailable;
      decision.store_error = status;
      continue;
    }
    ExplainStoreAnswer(*entries[j], results[j], decision);
  }
  return decisions;
}

bool Engine::TargetIsValid(const ActionEntry& entry, const Alert& alert,
                           Decision& decision) {
  for (const LabelCheck& check : entry.label_checks) {
    std::optional<absl::string_view> value = alert.labels.Find(check.label);
    decision.target_label = check.label;
    if (!value.has_value()) {
      decision.target_problem = "is missing";
    } else if (value->size() > kMaxTemplateValueBytes) {
      decision.target_problem = "is longer than 256 bytes";
    } else if (check.pattern == nullptr ||
               !re2::RE2::FullMatch(
                   re2::StringPiece(value->data(), value->size()),
                   *check.pattern)) {
      decision.target_problem = "does not match its pattern";
    } else {
      continue;
    }
    return false;
  }
  decision.target_label = {};
  return true;
}

CooldownKey Engine::KeyFor(const ActionEntry& entry, const Alert& alert) const {
  if (entry.action->key_labels.empty()) {
    return CooldownKey::Borrowed(options_.enabled ? &entry.live_key
                                                  : &entry.dry_key);
  }
  CooldownKeyBuilder builder(options_.enabled ? KeySpace::kLive
                                              : KeySpace::kDryRun);
  builder.Add(entry.action->name).Add(entry.action->alertname);
  for (const std::string& label : entry.action->key_labels) {
    builder.Add(label).Add(alert.labels.Find(label).value_or(""));
  }
  return CooldownKey::Owned(builder.Finish());
}

bool Engine::InFlight(const Decision& decision) const {
  return in_flight_ != nullptr && in_flight_->Contains(decision.key.view());
}

AcquireRequest Engine::RequestFor(const ActionEntry& entry,
                                  const Decision& decision, bool in_flight,
                                  absl::Time now) const {
  // Every member given: no zero-fill of the whole request first.
  return AcquireRequest{
      decision.key.view(),
      now,
      entry.cooldown,
      in_flight,
      absl::MakeConstSpan(entry.budgets, entry.budget_count),
      {options_.flap_guard.max_executions, options_.flap_guard.window},
      preview_};
}

void Engine::AcquireState(const ActionEntry& entry, bool in_flight,
                          Decision& decision) {
  const AcquireRequest request =
      RequestFor(entry, decision, in_flight, clock_->Now());
  absl::StatusOr<AcquireResult> result = store_->Acquire(request);
  if (!result.ok()) {
    decision.reason = Reason::kStoreUnavailable;
    decision.store_error = result.status();
    return;
  }
  ExplainStoreAnswer(entry, *result, decision);
}

void Engine::ExplainStoreAnswer(const ActionEntry& entry,
                                const AcquireResult& result,
                                Decision& decision) const {
  decision.time_left = result.remaining;
  switch (result.outcome) {
    case AcquireOutcome::kEscalated:
      decision.reason = Reason::kEscalated;
      decision.newly_escalated = result.newly_escalated;
      decision.flap_limit = options_.flap_guard.max_executions;
      decision.flap_window = options_.flap_guard.window;
      return;
    case AcquireOutcome::kInFlight:
      decision.reason = Reason::kInFlight;
      return;
    case AcquireOutcome::kCoolingDown:
      decision.reason = Reason::kCoolingDown;
      return;
    case AcquireOutcome::kBudgetExhausted: {
      decision.reason = Reason::kBudgetExhausted;
      // The global budget, when on, is always the first reservation.
      const bool global = options_.global_budget.enabled() &&
                          result.exhausted_budget == 0;
      const Budget& budget =
          global ? options_.global_budget : entry.action->budget;
      decision.budget_scope = global ? "global" : "action";
      decision.budget_limit = budget.max_executions;
      decision.budget_window = budget.window;
      return;
    }
    case AcquireOutcome::kAcquired:
      break;
  }
  decision.time_left = absl::ZeroDuration();
  decision.verdict = options_.enabled ? Verdict::kExecute : Verdict::kDryRun;
  decision.reason = options_.enabled ? Reason::kExecute : Reason::kDryRun;
}

}  // namespace autoheal
