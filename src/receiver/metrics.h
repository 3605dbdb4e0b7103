// The receiver's Prometheus metrics, served at GET /metrics.
//
// Label cardinality is bounded by construction: the alertname label of
// autoheal_decisions_total is an allowlisted alertname or "other", the action
// label comes from the policy, and status codes are a small set. A storm of
// distinct, unlisted alertnames therefore cannot grow the registry.
//
// Thread safety: all methods may be called concurrently.

#ifndef AUTOHEAL_RECEIVER_METRICS_H_
#define AUTOHEAL_RECEIVER_METRICS_H_

#include <array>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "autoheal/internal/mutex.h"
#include "autoheal/options.h"
#include "autoheal/remediator.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace autoheal {
namespace receiver {

class ReceiverMetrics final : public RemediationObserver {
 public:
  ReceiverMetrics();

  void OnDecision(const Alert& alert, const Decision& decision) override
      ABSL_LOCKS_EXCLUDED(mu_);
  void OnOutcome(const ActionRequest& request,
                 const ActionOutcome& outcome) override;
  // Counts one audit record that could not be written (decisions, an
  // outcome, or a state clear the receiver audits itself).
  void OnAuditFailure(const absl::Status& status) override;

  // Counts one HTTP response with status `code`.
  void CountHttpResponse(int code);
  // Counts a policy reload, `ok` or failed.
  void CountReload(bool ok);
  // Counts an operator's POST /state/clear, by whether a latch was open.
  void CountStateClear(bool was_latched);
  // Adopts a (re)loaded policy: the allowlisted alertnames and the switch.
  // Creates, at 0, the outcome, duration and escalation series of each of
  // its actions and the budget_exhausted decisions of each of its
  // alertnames.
  void SetPolicy(const EngineOptions& options) ABSL_LOCKS_EXCLUDED(mu_);
  // Sets autoheal_state_store_ready: 1 while the state store is reachable.
  void SetStoreReady(bool ready) { store_ready_.Set(ready ? 1 : 0); }
  // Returns the text exposition, with `inflight` as the in-flight gauge.
  std::string Serialize(size_t inflight);

 private:
  // One counter per reason (the verdict follows from the reason).
  using ReasonCounters = std::array<prometheus::Counter*, kReasonCount>;

  // Returns the decision counter for `reason` and `alertname`, or for
  // "other" when the alertname is not allowlisted. Creates it on first use;
  // prometheus-cpp keeps metrics alive until removed, so pointers stay valid.
  prometheus::Counter& DecisionCounter(absl::string_view alertname,
                                       Reason reason) ABSL_LOCKS_EXCLUDED(mu_);
  prometheus::Counter& HttpCounter(int code) ABSL_LOCKS_EXCLUDED(mu_);

  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& decisions_;
  prometheus::Family<prometheus::Counter>& actions_;
  prometheus::Family<prometheus::Histogram>& action_duration_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Counter>& reloads_;
  prometheus::Family<prometheus::Counter>& escalations_;
  prometheus::Family<prometheus::Counter>& state_clears_;
  prometheus::Counter& audit_failures_;
  prometheus::Gauge& enabled_;
  prometheus::Gauge& inflight_;
  prometheus::Gauge& store_ready_;

  mutable internal::Mutex mu_;
  absl::flat_hash_set<std::string> allowlisted_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, ReasonCounters> decision_counters_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<int, prometheus::Counter*> http_counters_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_METRICS_H_
