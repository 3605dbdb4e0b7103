// Opens the state store a binary was configured with: the receiver at
// startup, the CLI for `autoheal state ...`. One table of backends, so that
// adding one is one entry.
//
//   StateOptions options;  // sqlite at /var/lib/autoheal/state.db
//   options.sqlite_path = "/tmp/state.db";
//   absl::StatusOr<std::unique_ptr<CooldownStore>> store =
//       OpenStateStore(options);
//   if (!store.ok()) return Fail(store.status());  // names backend and file
//
// Thread safety: the functions are thread-compatible; the stores they
// return are thread-safe (see "autoheal/cooldown_store.h").

#ifndef AUTOHEAL_STATE_OPEN_STATE_STORE_H_
#define AUTOHEAL_STATE_OPEN_STATE_STORE_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "autoheal/cooldown_store.h"
#include "autoheal/sqlite_cooldown_store.h"

namespace autoheal {

// Where the receiver keeps its state unless told otherwise, and that
// file's directory, which the receiver creates when it is missing.
inline constexpr char kDefaultStateDirectory[] = "/var/lib/autoheal";
inline constexpr char kDefaultSqlitePath[] = "/var/lib/autoheal/state.db";

struct StateOptions {
  // Which store: "memory" (one process, forgotten on exit), "sqlite"
  // (durable, one host), "redis" (shared by replicas). Default: "sqlite".
  std::string backend = "sqlite";
  // The SQLite database file; its directory must exist. Default:
  // /var/lib/autoheal/state.db.
  std::string sqlite_path = kDefaultSqlitePath;
  // Whether the file may be created, or changed at all: kCreate for the
  // receiver, which owns the state; kReadWrite and kReadOnly for the CLI,
  // which must never create a database at a mistyped path. Default:
  // kCreate.
  SqliteOpenMode sqlite_mode = SqliteOpenMode::kCreate;

  // --- backend "redis" (see "autoheal/redis_cooldown_store.h") ---
  // The server, host:port. Default: 127.0.0.1:6379.
  std::string redis_address = "127.0.0.1:6379";
  // Starts every Redis key; one per deployment. Default: autoheal.
  std::string redis_prefix = "autoheal";
  // Connect and command timeout. Default: 500 ms.
  absl::Duration redis_timeout = absl::Milliseconds(500);
};

// Opens the store `options.backend` names. Errors: kInvalidArgument for an
// unknown backend (the message lists the choices); otherwise the backend's
// own open errors, which name the file (see
// "autoheal/sqlite_cooldown_store.h") or the Redis address
// ("autoheal/redis_cooldown_store.h").
absl::StatusOr<std::unique_ptr<CooldownStore>> OpenStateStore(
    const StateOptions& options);

// Returns a one-line description of where the state lives, for startup
// logs: "memory (not persisted)", "sqlite /var/lib/autoheal/state.db",
// "redis 127.0.0.1:6379 prefix autoheal".
std::string DescribeStateStore(const StateOptions& options);

// Creates directory `dir` with `mode` when it does not exist; only that
// last level, never its parents. Returns whether it created it. Errors
// (kFailedPrecondition) name the directory and the cause.
absl::StatusOr<bool> CreateDirectoryIfMissing(const std::string& dir,
                                              mode_t mode);

}  // namespace autoheal

#endif  // AUTOHEAL_STATE_OPEN_STATE_STORE_H_
