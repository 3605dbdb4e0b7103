#include "receiver/metrics.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "prometheus/text_serializer.h"

namespace autoheal {
namespace receiver {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

// Action run times, from a quick restart to a slow one near a timeout.
const prometheus::Histogram::BucketBoundaries kDurationBuckets = {
    0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

}  // namespace

ReceiverMetrics::ReceiverMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      decisions_(BuildCounter()
                     .Name("autoheal_decisions_total")
                     .Help("Decisions made, by verdict, reason and alertname "
                           "(\"other\" when not allowlisted).")
                     .Register(*registry_)),
      actions_(BuildCounter()
                   .Name("autoheal_actions_total")
                   .Help("Actions ended, by action and outcome.")
                   .Register(*registry_)),
      action_duration_(BuildHistogram()
                           .Name("autoheal_action_duration_seconds")
                           .Help("How long actions ran, by action.")
                           .Register(*registry_)),
      http_requests_(BuildCounter()
                         .Name("autoheal_http_requests_total")
                         .Help("HTTP responses sent, by status code.")
                         .Register(*registry_)),
      reloads_(BuildCounter()
                   .Name("autoheal_config_reloads_total")
                   .Help("Policy reloads, by result (success or failure).")
                   .Register(*registry_)),
      escalations_(BuildCounter()
                       .Name("autoheal_escalations_total")
                       .Help("Keys latched by the flap guard (the fix did not "
                             "fix), by action.")
                       .Register(*registry_)),
      state_clears_(BuildCounter()
                        .Name("autoheal_state_clears_total")
                        .Help("Operator clears of escalated keys, by whether "
                              "the key was latched.")
                        .Register(*registry_)),
      // Unlabelled, so it exists from startup at 0 and a rule can alert on
      // any increase.
      audit_failures_(BuildCounter()
                          .Name("autoheal_audit_failures_total")
                          .Help("Audit records that could not be written: a "
                                "notification's decisions (nothing of it "
                                "ran), an action's outcome, or a state clear.")
                          .Register(*registry_)
                          .Add({})),
      enabled_(BuildGauge()
                   .Name("autoheal_enabled")
                   .Help("1 when actions run, 0 in dry-run.")
                   .Register(*registry_)
                   .Add({})),
      inflight_(BuildGauge()
                    .Name("autoheal_inflight_actions")
                    .Help("Actions submitted and not yet ended.")
                    .Register(*registry_)
                    .Add({})),
      store_ready_(BuildGauge()
                       .Name("autoheal_state_store_ready")
                       .Help("1 while the state store is reachable (GET "
                             "/readyz answers 200), 0 while it is not.")
                       .Register(*registry_)
                       .Add({})) {
  // Both results exist from the start, so that alerts on failures see 0.
  reloads_.Add({{"result", "success"}});
  reloads_.Add({{"result", "failure"}});
  // So do the refusals Alertmanager retries (the first one counts too) and
  // both kinds of state clear. A family with no series is not exported at
  // all, and a dashboard could not tell it from a renamed metric.
  HttpCounter(503);
  state_clears_.Add({{"latched", "true"}});
  state_clears_.Add({{"latched", "false"}});
  // So does the count of malformed alerts (most have no allowlisted
  // alertname): a sender that starts emitting them shows as a rise from 0.
  DecisionCounter("other", Reason::kInvalidAlert);
}

void ReceiverMetrics::OnDecision(const Alert&, const Decision& decision) {
  DecisionCounter(decision.alertname, decision.reason).Increment();
  if (decision.newly_escalated && decision.action != nullptr) {
    // Action names come from the policy: a bounded label set.
    escalations_.Add({{"action", decision.action->name}}).Increment();
  }
}

void ReceiverMetrics::CountStateClear(bool was_latched) {
  state_clears_.Add({{"latched", was_latched ? "true" : "false"}})
      .Increment();
}

prometheus::Counter& ReceiverMetrics::DecisionCounter(
    absl::string_view alertname, Reason reason) {
  internal::MutexLock lock(&mu_);
  absl::string_view bounded =
      allowlisted_.contains(alertname) ? alertname : "other";
  ReasonCounters& counters = decision_counters_[bounded];
  prometheus::Counter*& counter = counters[static_cast<size_t>(reason)];
  if (counter == nullptr) {
    Verdict verdict = reason == Reason::kExecute  ? Verdict::kExecute
                      : reason == Reason::kDryRun ? Verdict::kDryRun
                                                  : Verdict::kSkip;
    counter = &decisions_.Add({{"verdict", std::string(VerdictName(verdict))},
                               {"reason", std::string(ReasonName(reason))},
                               {"alertname", std::string(bounded)}});
  }
  return *counter;
}

void ReceiverMetrics::OnOutcome(const ActionRequest& request,
                                const ActionOutcome& outcome) {
  actions_
      .Add({{"action", request.action.name},
            {"outcome", std::string(OutcomeKindName(outcome.kind))}})
      .Increment();
  action_duration_.Add({{"action", request.action.name}}, kDurationBuckets)
      .Observe(absl::ToDoubleSeconds(outcome.duration));
}

void ReceiverMetrics::OnAuditFailure(const absl::Status&) {
  audit_failures_.Increment();
}

void ReceiverMetrics::CountHttpResponse(int code) {
  HttpCounter(code).Increment();
}

prometheus::Counter& ReceiverMetrics::HttpCounter(int code) {
  internal::MutexLock lock(&mu_);
  prometheus::Counter*& counter = http_counters_[code];
  if (counter == nullptr) {
    counter = &http_requests_.Add({{"code", absl::StrCat(code)}});
  }
  return *counter;
}

void ReceiverMetrics::CountReload(bool ok) {
  reloads_.Add({{"result", ok ? "success" : "failure"}}).Increment();
}

void ReceiverMetrics::SetPolicy(const EngineOptions& options) {
  absl::flat_hash_set<std::string> allowlisted;
  for (const Action& action : options.actions) {
    allowlisted.insert(action.alertname);
  }
  enabled_.Set(options.enabled ? 1 : 0);
  {
    internal::MutexLock lock(&mu_);
    allowlisted_ = std::move(allowlisted);
  }
  // The series that alert rules watch with increase() exist at 0 from the
  // start, and from the reload that adds an action: Prometheus never sees
  // the first increment of a series that is born at 1 (see
  // examples/monitoring/autoheal-alerts.yml). The duration histograms too,
  // so that the family is exported before any action ran. All are bounded
  // by the policy.
  constexpr OutcomeKind kOutcomes[] = {OutcomeKind::kSuccess,
                                       OutcomeKind::kFailed,
                                       OutcomeKind::kTimedOut,
                                       OutcomeKind::kSpawnError};
  auto add_outcomes = [&](absl::string_view action) {
    for (OutcomeKind kind : kOutcomes) {
      actions_.Add({{"action", std::string(action)},
                    {"outcome", std::string(OutcomeKindName(kind))}});
    }
    action_duration_.Add({{"action", std::string(action)}}, kDurationBuckets);
  };
  for (const Action& action : options.actions) {
    add_outcomes(action.name);
    escalations_.Add({{"action", action.name}});
    DecisionCounter(action.alertname, Reason::kBudgetExhausted);
  }
  if (options.escalation.has_value()) add_outcomes(kEscalationActionName);
}

std::string ReceiverMetrics::Serialize(size_t inflight) {
  inflight_.Set(static_cast<double>(inflight));
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace receiver
}  // namespace autoheal
