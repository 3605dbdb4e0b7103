// A small pool of blocking hiredis connections to one Redis server, with
// the reconnect policy of `RedisCooldownStore` ("autoheal/redis_cooldown_store.h"):
//
// - A connection that fails (I/O error, timeout, EOF) is dropped, and every
//   other pooled connection is reopened before its next use, since a server
//   that dropped one has usually dropped them all.
// - The first reconnect after a failure is tried at once (a restarted
//   server is picked up by the very next call). Each failed attempt doubles
//   the backoff, from `initial_backoff` up to `max_backoff`; while the
//   backoff runs, or while another thread is attempting, `Borrow()` fails
//   at once with kUnavailable instead of waiting on the network.
// - While the server is healthy, idle slots connect on demand, concurrently.
//
// Thread safety: `Borrow()` may be called from any number of threads; a
// `Lease` is used by one thread at a time.

#ifndef AUTOHEAL_SRC_REDIS_REDIS_CONNECTION_POOL_H_
#define AUTOHEAL_SRC_REDIS_REDIS_CONNECTION_POOL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "autoheal/internal/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "autoheal/clock.h"

struct redisContext;
struct redisReply;

namespace autoheal {
namespace internal {

struct RedisReplyDeleter {
  void operator()(redisReply* reply) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

// One command: its arguments, sent binary-safe (length-delimited).
using RedisCommand = std::vector<absl::string_view>;

class RedisConnectionPool {
 private:
  struct Slot;

 public:
  struct Options {
    std::string host;
    int port = 6379;
    absl::Duration connect_timeout = absl::Milliseconds(500);
    absl::Duration command_timeout = absl::Milliseconds(500);
    int size = 4;
    absl::Duration initial_backoff = absl::Milliseconds(50);
    absl::Duration max_backoff = absl::Seconds(2);
    Clock* clock = nullptr;  // required; must outlive the pool
  };

  // A borrowed connection, returned to the pool when destroyed.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease();

    // Sends `command` and returns its reply, which may be an error reply
    // (REDIS_REPLY_ERROR): the connection stays good. kUnavailable naming
    // the address when the connection fails; it is then dropped.
    absl::StatusOr<RedisReplyPtr> Run(const RedisCommand& command);
    // Sends `commands` in one write and returns their replies in order.
    // Errors as Run().
    absl::StatusOr<std::vector<RedisReplyPtr>> Pipeline(
        absl::Span<const RedisCommand> commands);

   private:
    friend class RedisConnectionPool;
    Lease(RedisConnectionPool* pool, Slot* slot) : pool_(pool), slot_(slot) {}
    // Marks the connection broken and returns the error to report.
    absl::Status Broken();

    RedisConnectionPool* pool_;
    Slot* slot_;  // null once moved from
    std::string error_;  // set when the connection broke
  };

  // Makes a pool of `options.size` unopened connections.
  explicit RedisConnectionPool(Options options);
  RedisConnectionPool(const RedisConnectionPool&) = delete;
  RedisConnectionPool& operator=(const RedisConnectionPool&) = delete;
  ~RedisConnectionPool();

  // Waits for an idle connection and returns it, connected. kUnavailable
  // naming the address when it cannot connect now, or while the reconnect
  // backoff runs (then at once, saying when the next attempt is due).
  absl::StatusOr<Lease> Borrow() ABSL_LOCKS_EXCLUDED(mu_);

  // "host:port", for messages.
  const std::string& address() const { return address_; }

 private:
  struct Slot {
    redisContext* context = nullptr;
    // The pool's epoch when `context` was opened; an older one is reopened.
    uint64_t epoch = 0;
  };

  // Decides whether a connection attempt may start now; when the pool is
  // unhealthy, admits one at a time once the backoff has run out.
  absl::Status AdmitAttempt(bool* gated) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records the end of an attempt admitted by AdmitAttempt().
  void AttemptEnded(const absl::Status& status, bool gated)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Connects and configures a new context (no lock held).
  absl::StatusOr<redisContext*> Open() const;
  // Puts `slot` back; a non-empty `error` means its connection broke.
  void Return(Slot* slot, const std::string& error) ABSL_LOCKS_EXCLUDED(mu_);
  absl::Status Unavailable(absl::string_view why) const;
  bool HasIdle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty();
  }

  const Options options_;
  const std::string address_;
  std::vector<std::unique_ptr<Slot>> slots_;

  autoheal::internal::Mutex mu_;
  std::vector<Slot*> idle_ ABSL_GUARDED_BY(mu_);
  // Bumped on every failure: connections opened before are reopened.
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 1;
  // False from a failure until a connection succeeds again.
  bool healthy_ ABSL_GUARDED_BY(mu_) = true;
  // While unhealthy: one attempt at a time, not before `retry_at_`.
  bool connecting_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time retry_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Duration backoff_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  std::string last_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace autoheal

#endif  // AUTOHEAL_SRC_REDIS_REDIS_CONNECTION_POOL_H_
