// `autoheal state list` and `autoheal state clear KEY`: what an operator
// needs after the flap guard escalated a key. Both work on the state store
// the receiver uses (SQLite file or Redis), which they never create: only
// the receiver does. `list` opens a SQLite file read-only; `clear` opens it
// read-write but only if it already is an autoheal state database, so a
// mistyped path is an error naming the file, not a new empty database.
//
// Thread safety: thread-compatible; the store is thread-safe.

#ifndef AUTOHEAL_CLI_STATE_COMMAND_H_
#define AUTOHEAL_CLI_STATE_COMMAND_H_

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/audit_sink.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/sqlite_cooldown_store.h"
#include "cli/command.h"

namespace autoheal {
namespace cli {

// Exit codes of the state commands.
inline constexpr int kStateOk = 0;
// The store could not be opened (a missing file included), reached, or
// failed; nothing changed.
inline constexpr int kStateUnavailable = 3;
// A usage error (the audit log cannot be opened).
inline constexpr int kStateUsageError = 2;

// Where `autoheal state` and `autoheal explain` find the receiver's state:
// their --state, --redis-address, --redis-prefix and --redis-timeout.
struct StateArgs {
  // The SQLite database file. Default: empty, none.
  std::string sqlite_path;
  // The receivers' Redis, host:port, instead of a SQLite file. Default:
  // empty, none.
  std::string redis_address;
  // With `redis_address`: the receivers' --redis-prefix. Default: autoheal.
  std::string redis_prefix = "autoheal";
  // With `redis_address`: connect and command timeout. Default: 2 s.
  absl::Duration redis_timeout = absl::Seconds(2);
};

// Adds --state (described by `state_help`; its default is
// `state->sqlite_path`), --redis-address (not with --state), --redis-prefix
// and --redis-timeout (both needing --redis-address) to `command`, bound to
// `*state`, which must outlive the parse.
void AddStateFlags(CLI::App& command, StateArgs* state, std::string state_help);

// Registers `autoheal state list` and `autoheal state clear KEY` on `app`;
// the returned command runs RunStateList() or RunStateClear() at the
// context's clock. `app` must outlive the command.
std::unique_ptr<Command> AddStateCommand(CLI::App& app);

// Opens the store `args` name: Redis when `redis_address` is set, else the
// SQLite file, in `mode` (kReadOnly or kReadWrite: the CLI never creates
// state). Returns null when neither is named. Errors are
// OpenStateStore()'s; they name the file or the address.
absl::StatusOr<std::unique_ptr<CooldownStore>> OpenCliState(
    const StateArgs& args, SqliteOpenMode mode);

// `autoheal state list`: opens the state read-only and lists the latched
// keys (ListEscalations()). Returns kStateOk or kStateUnavailable.
int RunStateList(const StateArgs& args, absl::Time now, std::ostream& out,
                 std::ostream& err);

// `autoheal state clear KEY`: opens the existing state read-write and
// clears `key` (ClearEscalation()), recording it in the JSON-lines audit
// file `audit_log` unless empty. Returns kStateOk, kStateUnavailable, or
// kStateUsageError when the audit log cannot be opened (nothing changed).
int RunStateClear(const StateArgs& args, absl::string_view key,
                  const std::string& audit_log, absl::Time now,
                  std::ostream& out, std::ostream& err);

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
