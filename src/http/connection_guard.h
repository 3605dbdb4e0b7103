// The HTTP server's guard against hostile or runaway clients: it counts
// open connections, in total and per client IP (loopback clients may be
// exempt), and runs the request-deadline sweeper, a thread that shuts down
// the socket of any connection whose request is overdue (slowloris: a client
// that trickles one byte just often enough never to be idle).
//
// The server registers each connection's `TrackedConnection` with `Open()`
// when libmicrohttpd accepts it and removes it with `Close()` before
// libmicrohttpd closes its socket, so the sweeper never shuts down a
// descriptor that was reused.
//
// Thread safety: every method may be called from any thread. A
// `TrackedConnection`'s deadline is written by its connection's thread and
// read by the sweeper (atomically).
//
// This header is internal to autoheal (not installed).

#ifndef AUTOHEAL_HTTP_CONNECTION_GUARD_H_
#define AUTOHEAL_HTTP_CONNECTION_GUARD_H_

#include <sys/socket.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "autoheal/clock.h"
#include "autoheal/internal/mutex.h"

namespace autoheal {
namespace http {

// What the guard knows of one open connection.
struct TrackedConnection {
  // Set by Open() before the connection is published, then read-only.
  std::string peer;
  int fd = -1;
  // The peer's address bytes when it counts against the per-IP limit, or
  // empty (loopback when exempt, or no limit).
  std::string per_ip_key;
  // When the current request must have arrived in full, in Unix
  // nanoseconds; 0 while its response is being produced or sent.
  std::atomic<int64_t> request_deadline_ns{0};
  // Whether the sweeper has shut the socket down. Guarded by the guard's
  // mutex.
  bool timed_out = false;
};

class ConnectionGuard {
 public:
  struct Options {
    // At most this many connections per client IP (0 = no limit).
    unsigned per_ip_limit = 256;
    // Whether loopback clients are exempt from `per_ip_limit`.
    bool exempt_loopback = true;
    // The longest a request may take to arrive (see
    // HttpServerOptions::request_timeout).
    absl::Duration request_timeout = absl::Seconds(30);
    // Required; must outlive the guard.
    Clock* clock = nullptr;
    // Receives one line per refused or dropped connection.
    std::function<void(absl::string_view)> log;
  };

  explicit ConnectionGuard(Options options);
  ConnectionGuard(const ConnectionGuard&) = delete;
  ConnectionGuard& operator=(const ConnectionGuard&) = delete;
  // Calls StopSweeper().
  ~ConnectionGuard();

  // libmicrohttpd's accept policy: returns false (and logs why) when the
  // client already holds `per_ip_limit` connections, unless it is exempt.
  bool MayAccept(const sockaddr* client) ABSL_LOCKS_EXCLUDED(mu_);

  // Counts a new connection. Fills `connection` for `client` on descriptor
  // `fd`, arms its first request deadline and publishes it to the sweeper
  // and the per-IP count. `connection` may be null (its state could not be
  // allocated): it is counted only. May throw std::bad_alloc, leaving
  // nothing counted or published.
  void Open(TrackedConnection* connection, const sockaddr* client, int fd)
      ABSL_LOCKS_EXCLUDED(mu_);
  // Uncounts a closed connection and unpublishes `connection` (null when it
  // was opened untracked): it is no longer counted or swept.
  void Close(TrackedConnection* connection) ABSL_LOCKS_EXCLUDED(mu_);

  // Starts the deadline for the next request, from now.
  void ArmDeadline(TrackedConnection* connection) const;
  // The request is in: its answer no longer depends on the client.
  static void DisarmDeadline(TrackedConnection* connection);

  // Starts the sweeper thread. kUnavailable when it cannot start.
  absl::Status StartSweeper();
  // Stops and joins the sweeper. Idempotent.
  void StopSweeper() ABSL_LOCKS_EXCLUDED(mu_);

  // Returns the number of open connections.
  size_t open_connections() const ABSL_LOCKS_EXCLUDED(mu_);
  // Blocks until exactly `count` connections are open, or `timeout` passes.
  bool WaitForOpenConnections(size_t count, absl::Duration timeout) const
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  std::string PerIpKeyFor(const sockaddr* client) const;
  void Unpublish(TrackedConnection* connection)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Returns how often the sweeper looks for overdue requests.
  absl::Duration SweepInterval() const;
  void SweepOverdueRequests() ABSL_LOCKS_EXCLUDED(mu_);

  const Options options_;
  mutable internal::Mutex mu_;
  size_t open_connections_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_set<TrackedConnection*> tracked_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, unsigned> per_ip_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread sweeper_;
};

}  // namespace http
}  // namespace autoheal

#endif  // AUTOHEAL_HTTP_CONNECTION_GUARD_H_
