// One decision as JSON members, shared by the receiver's response and
// `autoheal explain --format json`, so the two never drift apart.
// Internal to autoheal. Thread safety: pure function.

#ifndef AUTOHEAL_CORE_DECISION_JSON_H_
#define AUTOHEAL_CORE_DECISION_JSON_H_

#include "autoheal/alert.h"
#include "autoheal/decision.h"
#include "core/json_writer.h"

namespace autoheal {
namespace internal {

// Writes the members fingerprint, alertname, status, verdict, reason,
// sentence, key, seconds_left and action into the object `w` has open; for
// an escalated decision also escalation ("new" or "latched"), for a budget
// stop also budget ("global" or "action"), for an invalid alert also problem
// ("<JSON path>: <what>"). An invalid alert's status is null: nothing of it
// was trusted, and a missing or unknown status has no name to give.
void WriteDecisionMembers(const Alert& alert, const Decision& decision,
                          JsonWriter& w);

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_CORE_DECISION_JSON_H_
