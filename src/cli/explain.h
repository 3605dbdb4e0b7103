// `autoheal explain`: for each alert of a payload, the decision and what
// would have to change for autoheal to act, the original stack's
// troubleshooting checklist turned into a tool.
//
// Thread safety: pure functions.

#ifndef AUTOHEAL_CLI_EXPLAIN_H_
#define AUTOHEAL_CLI_EXPLAIN_H_

#include <string>
#include <vector>

#include "autoheal/alert.h"
#include "autoheal/decision.h"
#include "autoheal/options.h"
#include "config/env_overrides.h"

namespace autoheal {
namespace cli {

// Returns what would have to change for `decision` to act, e.g.
// "add annotation autoheal: \"true\" to rule TcpEndpointDownFast",
// "cooling down, 73 s left" or "AUTOHEAL_ENABLED is off". Never empty.
std::string WhatWouldHaveToChange(const Decision& decision,
                                  const EngineOptions& options);

// Renders one line per alert: alertname, fingerprint, verdict, reason and
// what would have to change; first, when `overrides` is not empty, one
// line naming the environment variables that were applied to the policy.
std::string ExplainText(const WebhookMessage& message,
                        const std::vector<Decision>& decisions,
                        const EngineOptions& options,
                        const std::vector<EnvOverride>& overrides);

// Renders {"enabled":..., "env_overrides":{NAME: value, ...},
// "alerts":[{fingerprint, alertname, status, verdict, reason, sentence,
// key, seconds_left, action, to_act}]}: the receiver's decision fields plus
// what would have to change, and the environment variables applied to the
// policy (an empty object when none).
std::string ExplainJson(const WebhookMessage& message,
                        const std::vector<Decision>& decisions,
                        const EngineOptions& options,
                        const std::vector<EnvOverride>& overrides);

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_EXPLAIN_H_
