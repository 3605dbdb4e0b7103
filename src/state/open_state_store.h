// Opens the receiver's cooldown state store from its flags: in memory (one
// process, forgotten on restart), SQLite (durable, one host) or Redis
// (shared by several replicas). See docs/operations.md for when to use each.
//
// Thread safety: a plain function; the store it returns is thread-safe.

#ifndef AUTOHEAL_SRC_STATE_OPEN_STATE_STORE_H_
#define AUTOHEAL_SRC_STATE_OPEN_STATE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "autoheal/cooldown_store.h"

namespace autoheal {

struct StateOptions {
  // "memory", "sqlite" or "redis". Default: memory (the SQLite branch
  // makes "sqlite" the default).
  std::string backend = "memory";
  // The SQLite database file (backend "sqlite").
  std::string sqlite_path;

  // --- backend "redis" ---
  // The server, host:port. Default: 127.0.0.1:6379.
  std::string redis_address = "127.0.0.1:6379";
  // Starts every Redis key. Default: autoheal.
  std::string redis_prefix = "autoheal";
  // Connect and command timeout. Default: 500 ms.
  absl::Duration redis_timeout = absl::Milliseconds(500);
};

// Returns the store `options` describe. Errors: kInvalidArgument for an
// unknown backend or a bad option (naming it), kUnavailable when Redis
// cannot be reached (naming the address).
absl::StatusOr<std::unique_ptr<CooldownStore>> OpenStateStore(
    const StateOptions& options);

}  // namespace autoheal

#endif  // AUTOHEAL_SRC_STATE_OPEN_STATE_STORE_H_
