// `autoheal state list` and `autoheal state clear KEY`: what an operator
// needs after the flap guard escalated a key. Both work on the state store
// the receiver uses (SQLite file or Redis), opened by the caller.
//
// Thread safety: thread-compatible; the store is thread-safe.

#ifndef AUTOHEAL_CLI_STATE_COMMAND_H_
#define AUTOHEAL_CLI_STATE_COMMAND_H_

#include <ostream>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/audit_sink.h"
#include "autoheal/cooldown_store.h"

namespace autoheal {
namespace cli {

// Exit codes of the state commands.
inline constexpr int kStateOk = 0;
// The store could not be reached or failed; nothing changed.
inline constexpr int kStateUnavailable = 3;

// Prints one line per latched key: the key and when its latch opens by
// itself, or "no escalated keys". Returns kStateOk or kStateUnavailable.
int ListEscalations(CooldownStore& store, absl::Time now, std::ostream& out,
                    std::ostream& err);

// Opens the escalation latch of `key` and prints whether it was latched.
// When `audit` is not null, records a state_clear line ("by": "cli") and
// fails (kStateUnavailable) if that record fails, after the clear.
// Clearing a key that is not latched is not an error.
int ClearEscalation(CooldownStore& store, absl::string_view key,
                    AuditSink* audit, absl::Time now, std::ostream& out,
                    std::ostream& err);

}  // namespace cli
}  // namespace autoheal

#endif  // AUTOHEAL_CLI_STATE_COMMAND_H_
