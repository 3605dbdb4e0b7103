// The shared state store: cooldowns, budgets and the flap guard in one
// Redis, so that several receiver replicas act at most once per key per
// cooldown between them (target autoheal::redis, over hiredis).
//
// One `Acquire()` makes up to three round trips, each atomic on the server:
//
//   1. the flap script (Lua): the key's latch (escalated; each firing while
//      latched restarts the quiet period), the caller's in-flight flag, the
//      cooldown (PTTL) and the flap guard (the key latches when it was
//      acquired `flap.max_executions` times within `flap.window`);
//   2. `SET cd-key token NX PX cooldown`: takes the cooldown, or answers
//      `kCoolingDown` when another caller holds it;
//   3. the budget script (Lua): checks that the cooldown still holds this
//      call's token, checks the latch and the flap guard again, then every
//      budget; when one says no it deletes the cooldown only if it still
//      holds this token (compare-and-delete) and answers; otherwise it
//      reserves every budget and records the execution for the flap guard.
//
// Why this is race-free: between steps 2 and 3 the cooldown is held with a
// token no other call knows, so no duplicate of the key can get past step
// 2, and step 3 runs as one script. Budgets and the flap history are only
// ever written by step 3, by the holder of the key's cooldown, after all
// their checks passed in the same script: a decision stopped by a budget
// (or by the flap guard) has changed nothing but the cooldown it then gives
// back, and a decision stopped by the cooldown never reaches a budget. The
// only visible effect of the brief hold is that a duplicate arriving during
// those microseconds answers `kCoolingDown` instead of `kBudgetExhausted` or
// `kEscalated`: nothing runs either way. A caller that dies between steps 2
// and 3 leaves the cooldown held (nothing ran, nothing runs until it
// expires) and no budget taken. Previews (`preview = true`) run steps 1 and
// 3 in their read-only form and skip step 2.
//
// `AcquireBatch()` makes one round trip: one script runs the whole sequence
// above (without the token dance: nothing can run between its check and
// its take) for every request in order, atomically. It decides every
// request before it writes anything, so a failure on the server leaves
// nothing taken (see `internal::kBatchScript`).
//
// Time: everything is judged by the Redis server's clock: cooldowns and the
// latch by PX/PTTL, budget and flap windows by `TIME` inside the scripts.
// `AcquireRequest::now` is not used, so replicas need not agree on the time.
// A step of the Redis host's clock moves every window alike.
//
// Keys (every one with a TTL; binary-safe, the key's bytes follow the
// prefix verbatim; `{prefix}` is a Redis Cluster hash tag, so that every key
// of one deployment lives in one slot and the scripts may touch them all):
//
//   {prefix}:v1:cd:<key>        the cooldown: a random token, PX cooldown
//   {prefix}:v1:esc:<key>       the latch: the Redis time (µs) it latched,
//                               PX flap window, refreshed on each firing
//   {prefix}:v1:flap:<key>      the key's recent executions (µs, list,
//                               newest last, at most the flap limit),
//                               PEXPIRE flap window
//   {prefix}:v1:budget:<name>   a budget's recent reservations (same form),
//                               PEXPIRE budget window
//
// Connection loss: every failure (refused, reset, timeout, an error reply
// such as READONLY or OOM) returns `kUnavailable` naming the address. The
// broken connection is dropped and the next call reconnects; a failed
// reconnect backs off exponentially (`initial_backoff` doubling up to
// `max_backoff`), and while that timer runs calls fail at once instead of
// waiting on the network. The store recovers by itself once Redis answers.
//
// Server: one Redis primary at one address (tested with Redis 7.0); the
// client neither follows Sentinel nor Redis Cluster redirections. Scripts
// are cached with SCRIPT LOAD and run by EVALSHA, falling back to EVAL after
// a NOSCRIPT (a restarted or flushed server). Replication is asynchronous:
// see docs/operations.md for what a failover can lose.
//
// Thread safety: every method may be called concurrently. Calls share a
// pool of `pool_size` connections (a hiredis context is used by one thread
// at a time); a call waits for a free connection.
//
//   RedisOptions options;
//   options.address = "redis.internal:6379";
//   absl::StatusOr<std::unique_ptr<RedisCooldownStore>> store =
//       RedisCooldownStore::Connect(options);
//   if (!store.ok()) return store.status();  // unreachable, bad options
//   EngineDeps deps;
//   deps.store = store->get();

#ifndef AUTOHEAL_REDIS_COOLDOWN_STORE_H_
#define AUTOHEAL_REDIS_COOLDOWN_STORE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "autoheal/acquire.h"
#include "autoheal/clock.h"
#include "autoheal/cooldown_store.h"

namespace autoheal {

namespace internal {
class RedisConnectionPool;
struct RedisTestHooks;
class RedisStoreTestPeer;
}  // namespace internal

struct RedisOptions {
  // The server, "host:port" ("[v6addr]:port" for IPv6 literals).
  // Default: 127.0.0.1:6379.
  std::string address = "127.0.0.1:6379";
  // Starts every key, so that several deployments (or tests) can share one
  // Redis without seeing each other's state. Non-empty, no '{' or '}'.
  // Default: autoheal.
  std::string prefix = "autoheal";
  // How long a connection attempt, and each command, may take before the
  // call fails with kUnavailable. Default: 500 ms each.
  absl::Duration connect_timeout = absl::Milliseconds(500);
  absl::Duration command_timeout = absl::Milliseconds(500);
  // Connections kept open; concurrent calls beyond this wait for one.
  // 1 to 64. Default: 4.
  int pool_size = 4;
  // The reconnect backoff after a failed connection attempt: doubles from
  // `initial_backoff` up to `max_backoff`, and resets on success.
  // Default: 50 ms and 2 s.
  absl::Duration initial_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  // Times the reconnect backoff (and nothing else). Must outlive the
  // store. Default: nullptr, RealClock().
  Clock* clock = nullptr;
};

class RedisCooldownStore final : public CooldownStore {
 public:
  // Validates `options`, connects once and loads the scripts. Returns
  // kInvalidArgument naming a bad option, kUnavailable naming the address
  // when Redis cannot be reached or refuses the scripts. The other
  // connections of the pool open on demand.
  static absl::StatusOr<std::unique_ptr<RedisCooldownStore>> Connect(
      RedisOptions options);

  ~RedisCooldownStore() override;

  // See CooldownStore::Acquire() and the top of this file. Ignores
  // `request.now`. Returns kUnavailable on any Redis failure; then nothing
  // may run (the cooldown may be held, no budget was taken by this call).
  absl::StatusOr<AcquireResult> Acquire(const AcquireRequest& request) override;

  // See CooldownStore::AcquireBatch() and the top of this file: one script
  // call (EVALSHA) over every key of the batch. Ignores each `now`: the
  // whole batch is judged at one instant of the Redis server's clock.
  // Returns kUnavailable on any Redis failure. An error reply (the script
  // failed on the server) means nothing was taken; a failure of the
  // connection after the script was sent cannot tell whether the server
  // ran it, so the batch may then have been applied: nothing runs either
  // way, and its cooldowns are held.
  absl::Status AcquireBatch(absl::Span<const AcquireRequest> requests,
                            absl::Span<AcquireResult> results) override;

  // Deletes the key's latch and flap history. Returns whether it was
  // latched; kUnavailable on any Redis failure.
  absl::StatusOr<bool> ClearEscalation(absl::string_view key) override;

  // Walks the latches with SCAN (never KEYS, which would block Redis) and
  // returns up to `limit` of them; `quiet_until` is `now` plus the latch's
  // PTTL. kUnavailable on any Redis failure.
  absl::StatusOr<std::vector<EscalatedKey>> ListEscalated(
      absl::Time now, size_t limit) override;
  // PING on a pooled connection, within the command timeout.
  absl::Status Ping() override;

  // Returns the Redis key names used for `key` or a budget (for tests and
  // operators inspecting Redis).
  std::string CooldownKeyName(absl::string_view key) const;
  std::string LatchKeyName(absl::string_view key) const;
  std::string FlapKeyName(absl::string_view key) const;
  std::string BudgetKeyName(absl::string_view budget) const;

 private:
  friend class internal::RedisStoreTestPeer;  // installs test hooks
  struct Scripts {
    std::string flap_sha;
    std::string budget_sha;
    std::string batch_sha;
  };
  RedisCooldownStore(RedisOptions options,
                     std::unique_ptr<internal::RedisConnectionPool> pool,
                     Scripts scripts);

  std::string NewToken();

  RedisOptions options_;
  std::unique_ptr<internal::RedisConnectionPool> pool_;
  Scripts scripts_;
  // Null outside tests (src/redis/redis_test_hooks.h).
  std::unique_ptr<internal::RedisTestHooks> hooks_;
  // A random prefix per store and a counter make every cooldown token
  // unique among replicas.
  std::string token_prefix_;
  std::atomic<uint64_t> token_counter_{0};
};

}  // namespace autoheal

#endif  // AUTOHEAL_REDIS_COOLDOWN_STORE_H_
