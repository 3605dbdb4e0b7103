// The JSON bodies the receiver answers with.
//
// Thread safety: pure functions.

#ifndef AUTOHEAL_RECEIVER_RESPONSES_H_
#define AUTOHEAL_RECEIVER_RESPONSES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/alert.h"
#include "autoheal/decision.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/options.h"

namespace autoheal {
namespace receiver {

// Returns {"error": message}.
std::string ErrorJson(absl::string_view message);

// Returns the POST /alerts body: {"enabled":..., "decisions":[{fingerprint,
// alertname, status, verdict, reason, sentence, key, seconds_left, action}]},
// one decision per alert of `message`, in order.
std::string DecisionsJson(const WebhookMessage& message,
                          const std::vector<Decision>& decisions,
                          bool enabled);

// What GET / reports.
struct StatusInfo {
  const EngineOptions* options = nullptr;
  std::string version;
  std::string policy_digest;
  std::string policy_source;   // a file path, or "embedded default"
  size_t inflight = 0;
  absl::Time now;
  absl::Time last_decision_at = absl::InfinitePast();  // InfinitePast: none
  // The latched keys (at most a page of them), or the store's error.
  std::vector<EscalatedKey> escalated;
  absl::Status state;
};

// Returns the GET / body: the original service's fields first, as it
// answered them ("service": "running", "status": "running", "enabled",
// "actions": the allowlisted alertnames, "cooldown_sec", "timestamp"), then
// autoheal's own: name, version, action_details (per alertname: name, argv,
// timeout, cooldown, key labels), policy digest and source, opt-in,
// in-flight actions, last decision, budget, flap guard, state and the
// escalated keys.
std::string StatusJson(const StatusInfo& info);

// Reads the POST /state/clear body, {"key": "<cooldown key>"}, and returns
// the key. Errors name what is wrong.
absl::StatusOr<std::string> ParseStateClearBody(absl::string_view body);

// Returns the POST /state/clear answer: {"key": ..., "cleared": ...}.
std::string StateClearJson(absl::string_view key, bool was_latched);

// Returns the GET /readyz body: {"status":"ready","state_store":"ok"}, or
// {"status":"not_ready","state_store":"unavailable","error":...,"since":...}.
std::string ReadinessJson(bool ready, absl::string_view error,
                          absl::Time since);

// Formats `t` as ISO-8601 UTC with milliseconds, e.g. 2026-11-27T07:26:21.557Z.
std::string IsoTime(absl::Time t);

}  // namespace receiver
}  // namespace autoheal

#endif  // AUTOHEAL_RECEIVER_RESPONSES_H_
